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
// or the job's), around every statement. The span carries the statement's first keyword (SELECT,
// INSERT, ...) and sqlc's query name, never the SQL text or its arguments: those hold tenant data.
type queryTracer struct{ tracer trace.Tracer }

func newQueryTracer(tp trace.TracerProvider) *queryTracer {
	return &queryTracer{tracer: tp.Tracer("github.com/tenantry/tenantry/internal/postgres")}
}

func (q *queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	name, keyword := describeStatement(data.SQL)
	attrs := []attribute.KeyValue{attribute.String("db.system.name", "postgresql"), attribute.String("db.system", "postgresql"),
		attribute.String("db.operation.name", keyword)}
	if name != "" {
		attrs = append(attrs, attribute.String("db.query.summary", name))
	}
	ctx, _ = q.tracer.Start(ctx, "db.query", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

func (q *queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if data.Err != nil {
		// The SQLSTATE only: an error's message and detail may quote the values.
		var pgErr *pgconn.PgError
		code := "error"
		if errors.As(data.Err, &pgErr) {
			code = pgErr.Code
		}
		span.SetAttributes(attribute.String("error.type", code))
		span.SetStatus(codes.Error, code)
	}
	span.End()
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
