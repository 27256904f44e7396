package apikeys_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/apikeys"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// heard wraps a listener and reports when it listens.
type heard struct {
	postgres.Listener
	on chan struct{}
	mu sync.Once
}

func (h *heard) Listening(on bool, err error) {
	h.Listener.Listening(on, err)
	if on {
		h.mu.Do(func() { close(h.on) })
	}
}

// TestCachedKeyMakesNoQuery counts the statements a second instance of the service sends (its
// pool traced, every statement a "db.query" span): the first request with a key reads it, the
// next ones send nothing at all; a revocation through the other instance makes the next request
// read the key again and refuses it (then the revoked state is cached: refused without a read).
// The uses are written when the writer stops.
func TestCachedKeyMakesNoQuery(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("quin")
	_, k := s.CreateKey(owner, map[string]any{"name": "counted"})
	creds := httpapi.Credentials{APIKey: k["key"].(string)}

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	db, err := postgres.Open(t.Context(), postgres.Config{AppURL: s.Env.AppURL, SystemURL: s.Env.SystemURL, MaxConns: 2, Tracer: tp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	cat, err := tenancy.NewScopeCatalogue(apikeys.Scopes())
	if err != nil {
		t.Fatal(err)
	}
	svc := apikeys.New(db, slog.New(slog.DiscardHandler), cat)
	ctx, stop := context.WithCancel(t.Context())
	var workers sync.WaitGroup
	t.Cleanup(func() { stop(); workers.Wait() })
	l := &heard{Listener: svc.Changes(), on: make(chan struct{})}
	workers.Go(func() { db.Listen(ctx, "tenantry_sessions", l) })
	usesCtx, stopUses := context.WithCancel(ctx)
	var uses sync.WaitGroup
	uses.Go(func() { svc.RecordUses(usesCtx, 0) }) // the default minute: only the stop writes
	<-l.on

	// statements counts the statements sent under one request's span, and how many read a key.
	statements := func() (all, keyReads int) {
		rctx, span := tp.Tracer("test").Start(ctx, "request")
		_, err := svc.Authenticate(rctx, creds)
		span.End()
		for _, sp := range rec.Ended() {
			if sp.Parent().SpanID() != span.SpanContext().SpanID() {
				continue
			}
			all++
			for _, a := range sp.Attributes() {
				if a.Key == "db.query.summary" && a.Value.AsString() == "KeyForAuth" {
					keyReads++
				}
			}
		}
		if err != nil {
			all = -1 - all // refused
		}
		return all, keyReads
	}
	if all, reads := statements(); all != 1 || reads != 1 {
		t.Fatalf("first request: %d statements, %d key reads; want the key read alone", all, reads)
	}
	for range 3 {
		if all, _ := statements(); all != 0 {
			t.Fatalf("a request with the cached key sent %d statements, want none", all)
		}
	}

	stopUses()
	uses.Wait()
	if n := s.Count(`SELECT count(*) FROM api_keys WHERE id = $1 AND last_used_at IS NOT NULL`, k["id"]); n != 1 {
		t.Error("last_used_at not written when the writer stopped")
	}

	s.Must(204, "DELETE", "/api/v1/api-keys/"+k["id"].(string), owner.Access, nil)
	apitest.WaitFor(t, "the revocation to be heard", func() bool { all, _ := statements(); return all < 0 })
	if all, reads := statements(); all >= 0 || reads != 0 {
		t.Errorf("the next request with the revoked key: %d statements (negative: refused), %d key reads; want refused without a read", all, reads)
	}
}
