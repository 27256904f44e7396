package postgres

import (
	"context"
	"errors"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// queryTracer makes a "db.query" span, a child of the span in the query's context (the request's
// or the job's), around every statement and every batch (the scoped helper sends its scope and
// the first statement as one batch: the span describes the batch's last statement). The span
// carries the statement's first keyword (SELECT, INSERT, ...) and sqlc's query name, never the SQL
// text or its arguments: those hold tenant data. A statement outside any span (River's own
// polling and leader election, the listeners) makes none: it would be a trace of its own, every
// second.
type queryTracer struct{ tracer trace.Tracer }

// tracedKey marks a context whose span the tracer started, so that End never ends the caller's.
type tracedKey struct{}

func (q *queryTracer) start(ctx context.Context, sql string, extra ...attribute.KeyValue) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	name, keyword := describeStatement(sql)
	attrs := append([]attribute.KeyValue{attribute.String("db.system.name", "postgresql"), attribute.String("db.system", "postgresql"),
		attribute.String("db.operation.name", keyword)}, extra...)
	if name != "" {
		attrs = append(attrs, attribute.String("db.query.summary", name))
	}
	ctx, span := q.tracer.Start(ctx, "db.query", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, tracedKey{}, span)
}

func (q *queryTracer) end(ctx context.Context, err error) {
	span, ok := ctx.Value(tracedKey{}).(trace.Span)
	if !ok {
		return
	}
	if err != nil {
		// The SQLSTATE only: an error's message and detail may quote the values.
		var pgErr *pgconn.PgError
		code := "error"
		if errors.As(err, &pgErr) {
			code = pgErr.Code
		}
		span.SetAttributes(attribute.String("error.type", code))
		span.SetStatus(codes.Error, code)
	}
	span.End()
}

func (q *queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return q.start(ctx, data.SQL)
}

func (q *queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	q.end(ctx, data.Err)
}

func (q *queryTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if data.Batch == nil || len(data.Batch.QueuedQueries) == 0 {
		return ctx
	}
	qs := data.Batch.QueuedQueries
	return q.start(ctx, qs[len(qs)-1].SQL, attribute.Int("db.operation.batch.size", len(qs)))
}

func (q *queryTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (q *queryTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	q.end(ctx, data.Err)
}

func newQueryTracer(tp trace.TracerProvider) *queryTracer {
	return &queryTracer{tracer: tp.Tracer("github.com/tenantry/tenantry/internal/postgres")}
}

// describeStatement returns sqlc's query name (from its "-- name: X :kind" comment; "" without
// one) and the statement's first keyword in upper case, past comments and white space.
func describeStatement(sql string) (name, keyword string) {
	s := sql
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		switch {
		case strings.HasPrefix(s, "--"):
			line, rest, _ := strings.Cut(s[2:], "\n")
			if n, ok := strings.CutPrefix(strings.TrimSpace(line), "name:"); ok && name == "" {
				if f := strings.Fields(n); len(f) > 0 {
					name = f[0]
				}
			}
			s = rest
			continue
		case strings.HasPrefix(s, "/*"):
			_, rest, ok := strings.Cut(s[2:], "*/")
			if !ok {
				return name, ""
			}
			s = rest
			continue
		}
		break
	}
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(s)
	}
	return name, strings.ToUpper(s[:end])
}
