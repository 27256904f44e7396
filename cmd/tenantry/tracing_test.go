package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// collector is a fake OpenTelemetry collector: it accepts OTLP/HTTP protobuf exports on
// POST /v1/traces and keeps the spans.
type collector struct {
	mu       sync.Mutex
	spans    []*tracepb.Span
	services []string
	posts    int
}

func newCollector(t *testing.T) (*collector, string) {
	c := &collector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.posts++
		c.mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("collector: %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			t.Errorf("collector: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.Key == "service.name" {
					c.services = append(c.services, a.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.ScopeSpans {
				c.spans = append(c.spans, ss.Spans...)
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func attr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			if v := a.GetValue().GetStringValue(); v != "" {
				return v
			}
			return a.GetValue().String()
		}
	}
	return ""
}

// runOnce serves cfg, makes a failed sign-in (public, and it reads the database), and shuts the
// server down, which flushes the spans.
func runOnce(t *testing.T, cfg config, logs io.Writer) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.DrainDelay = 0
	ctx, cancel := context.WithCancel(t.Context())
	out := &banner{}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(logs, 0), out) }()
	apitest.WaitFor(t, "the banner", func() bool { return out.url("listening on") != "" })
	req, _ := http.NewRequest("POST", out.url("listening on")+"/api/v1/auth/login",
		strings.NewReader(`{"email":"nobody@example.com","password":"not the password"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "traced-request-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("failed sign-in: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestTracingExportsRequestAndQuerySpans: with TENANTRY_OTLP_ENDPOINT set, a request is exported
// (by the time serve returns) as a server span named by its operation, and the queries it ran as
// "db.query" spans, its children in the same trace, carrying the statement's keyword and never
// its text.
func TestTracingExportsRequestAndQuerySpans(t *testing.T) {
	t.Parallel()
	c, url := newCollector(t)
	cfg := testConfig(t, testenv.NewDB(t))
	cfg.OTLPEndpoint, cfg.OTLPServiceName = url, "tenantry-test"
	runOnce(t, cfg, io.Discard)
	c.mu.Lock()
	defer c.mu.Unlock()
	var server *tracepb.Span
	for _, s := range c.spans {
		if s.Kind == tracepb.Span_SPAN_KIND_SERVER && attr(s, "tenantry.request_id") == "traced-request-1" {
			server = s
		}
	}
	if server == nil {
		t.Fatalf("no server span of the request among %d spans", len(c.spans))
	}
	if server.Name != "login" || attr(server, "tenantry.operation") != "login" || !strings.Contains(attr(server, "http.response.status_code"), "401") {
		t.Errorf("server span %q: %v", server.Name, server.Attributes)
	}
	children := 0
	for _, s := range c.spans {
		if s.Name != "db.query" || !bytes.Equal(s.TraceId, server.TraceId) {
			continue
		}
		if !bytes.Equal(s.ParentSpanId, server.SpanId) {
			t.Errorf("db span %s: parent %s, want the server span %s", hex.EncodeToString(s.SpanId), hex.EncodeToString(s.ParentSpanId), hex.EncodeToString(server.SpanId))
		}
		if attr(s, "db.system.name") != "postgresql" || attr(s, "db.operation.name") == "" {
			t.Errorf("db span attributes: %v", s.Attributes)
		}
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.String(), "nobody@example.com") || strings.Contains(a.Value.String(), "FROM") {
				t.Errorf("db span attribute %s holds the statement or its values: %v", a.Key, a.Value)
			}
		}
		children++
	}
	if children == 0 {
		t.Errorf("no db.query span in the request's trace %s", hex.EncodeToString(server.TraceId))
	}
	if len(c.services) == 0 || c.services[0] != "tenantry-test" {
		t.Errorf("service.name: %v", c.services)
	}
}

// TestTracingOffSendsNothing: without an endpoint nothing is exported, even with the
// OpenTelemetry SDK's own variable pointing at a collector when serve builds its tracer (loadConfig
// alone reads it).
func TestTracingOffSendsNothing(t *testing.T) {
	c, url := newCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	cfg := testConfig(t, testenv.NewDB(t))
	runOnce(t, cfg, io.Discard)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.posts != 0 || len(c.spans) != 0 {
		t.Errorf("tracing off: %d exports, %d spans", c.posts, len(c.spans))
	}
}

// TestOTLPEndpointFallsBackToTheStandardVariable: OTEL_EXPORTER_OTLP_ENDPOINT is honoured when
// TENANTRY_OTLP_ENDPOINT is unset, and a malformed endpoint is refused by name.
func TestOTLPEndpointFallsBackToTheStandardVariable(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil || cfg.OTLPEndpoint != "http://collector:4318" || cfg.OTLPServiceName != "tenantry" {
		t.Errorf("fallback: %q %q %v", cfg.OTLPEndpoint, cfg.OTLPServiceName, err)
	}
	env["TENANTRY_OTLP_ENDPOINT"] = "collector:4318"
	cfg, _ = loadConfig(func(k string) string { return env[k] })
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "TENANTRY_OTLP_ENDPOINT") {
		t.Errorf("malformed endpoint: %v", err)
	}
}
