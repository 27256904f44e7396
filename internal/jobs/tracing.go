package jobs

import (
	"context"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracing is the River worker middleware that makes a span per job run, named "job <kind>",
// with the kind and the attempt: the queries the worker makes are its children. The job's
// arguments stay out of the span (they hold tenant data); its error sets the span's status to
// error with the error's Go type only.
type tracing struct {
	river.MiddlewareDefaults
	tracer trace.Tracer
}

// tracingMiddleware returns the middleware for tp, or nil when tp records nothing.
func tracingMiddleware(tp trace.TracerProvider) rivertype.Middleware {
	if _, off := tp.(noop.TracerProvider); tp == nil || off {
		return nil
	}
	return &tracing{tracer: tp.Tracer("github.com/tenantry/tenantry/internal/jobs")}
}

func (t *tracing) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	ctx, span := t.tracer.Start(ctx, "job "+job.Kind, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("messaging.system", "river"), attribute.String("tenantry.job.kind", job.Kind),
		attribute.Int("tenantry.job.attempt", job.Attempt), attribute.String("tenantry.job.id", strconv.FormatInt(job.ID, 10))))
	defer span.End()
	err := doInner(ctx)
	if err != nil {
		span.SetStatus(codes.Error, "job failed")
	}
	return err
}
