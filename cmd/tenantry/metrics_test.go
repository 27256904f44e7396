package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// banner keeps what serve prints.
type banner struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *banner) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *banner) url(label string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := regexp.MustCompile(`(?m)` + label + `\s+(http://\S+)`).FindStringSubmatch(w.b.String())
	if m == nil {
		return ""
	}
	return m[1]
}

// TestMetricsListenApart: serve answers /metrics on the metrics listener only, with the build
// info, and the API listener answers it 404.
func TestMetricsListenApart(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, testenv.NewDB(t))
	cfg.Addr = "127.0.0.1:0"
	cfg.DrainDelay = 0
	ctx, cancel := context.WithCancel(t.Context())
	out := &banner{}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(io.Discard, 0), out) }()
	apitest.WaitFor(t, "the banner", func() bool { return out.url("metrics:") != "" })
	api, metrics := out.url("listening on"), out.url("metrics:")
	if st, _ := get(t, api+"/metrics"); st != http.StatusNotFound {
		t.Errorf("the API listener answers /metrics with %d, want 404", st)
	}
	st, body := get(t, metrics)
	if st != http.StatusOK || !strings.Contains(body, "tenantry_build_info{") || !strings.Contains(body, "tenantry_jobs") {
		t.Errorf("metrics listener: %d\n%s", st, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
