package jobs_test

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tenantry/tenantry/internal/jobs"
)

// TestJobRunIsASpan: with a tracer, each job run is a span "job <kind>" with its kind and attempt
// (never its arguments), and the queries the worker makes are its children.
func TestJobRunIsASpan(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	w := newTracedWorld(t, tp)
	a, _ := w.tenant(t, "traced")
	if err := w.runner.Insert(t.Context(), noteArgs{jobs.For(a), "secret note"}); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	var job sdktrace.ReadOnlySpan
	eventually(t, "the job's span", func() bool {
		for _, s := range rec.Ended() {
			if s.Name() == "job test.note" {
				job = s
				return true
			}
		}
		return false
	})
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range job.Attributes() {
		attrs[kv.Key] = kv.Value
		if strings.Contains(kv.Value.String(), "secret note") {
			t.Errorf("the job's span carries its arguments: %s", kv.Key)
		}
	}
	if attrs["tenantry.job.kind"].AsString() != "test.note" || attrs["tenantry.job.attempt"].AsInt64() != 1 {
		t.Errorf("job span attributes: %v", job.Attributes())
	}
	var children int
	for _, s := range rec.Ended() {
		if s.Name() == "db.query" && s.Parent().SpanID() == job.SpanContext().SpanID() {
			children++
		}
	}
	if children == 0 {
		t.Error("no db.query span under the job's span")
	}
}
