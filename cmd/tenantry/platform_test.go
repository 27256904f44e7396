package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestOpenAPIGolden keeps the generated OpenAPI document under review: any change to the API
// shows up as a diff of testdata/openapi.golden.json (go test -run OpenAPI -update rewrites it).
func TestOpenAPIGolden(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	r := s.Do("GET", "/openapi.json", "", nil)
	if r.Status != 200 {
		t.Fatalf("openapi: %d", r.Status)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v", doc["openapi"])
	}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if _, ok := op.(map[string]any)[httpapi.AccessExtension]; !ok {
				t.Errorf("%s %s has no %s", method, path, httpapi.AccessExtension)
			}
		}
	}
	pretty, _ := json.MarshalIndent(doc, "", "  ")
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/tenantry -run OpenAPI -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(pretty)) {
		t.Errorf("the OpenAPI document changed; review it and run go test ./cmd/tenantry -run OpenAPI -update")
	}
}

// TestVerifyCommand: verify passes on a migrated database and fails, naming the table, once one
// policy is dropped.
func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	db := testenv.NewDB(t)
	env := map[string]string{"DATABASE_OWNER_URL": db.OwnerURL, "DATABASE_URL": db.AppURL}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"verify"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("verify on a migrated database: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "PASS  rls.forced  public.memberships") || strings.Contains(out.String(), "FAIL") {
		t.Fatalf("verify output:\n%s", out.String())
	}
	conn, err := pgx.Connect(t.Context(), db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `DROP POLICY tenant_isolation ON refresh_tokens`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(t.Context(), []string{"verify", "--json"}, getenv, &out, &errOut)
	if !errors.Is(err, errSilent) {
		t.Fatalf("verify after dropping a policy: %v", err)
	}
	var results []struct {
		Invariant, Object string
		Pass              bool
	}
	if err := json.Unmarshal(out.Bytes(), &results); err != nil {
		t.Fatal(err)
	}
	failed := false
	for _, r := range results {
		if !r.Pass && r.Invariant == "rls.policy" && r.Object == "public.refresh_tokens" {
			failed = true
		}
	}
	if !failed {
		t.Errorf("verify did not report the dropped policy:\n%s", out.String())
	}
}

func TestCLI(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	none := func(string) string { return "" }
	if err := run(t.Context(), nil, none, &out, &errOut); err != nil || !strings.Contains(out.String(), "migrate") {
		t.Errorf("help: %v\n%s", err, out.String())
	}
	if err := run(t.Context(), []string{"frobnicate"}, none, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("unknown command: %v (exit %d)", err, exitCode(err))
	}
	errOut.Reset()
	out.Reset()
	if err := run(t.Context(), []string{"serve", "-h"}, none, &out, &errOut); err != nil || !strings.Contains(out.String(), "DATABASE_SYSTEM_URL") {
		t.Errorf("serve -h: %v\n%s", err, out.String())
	}
	errOut.Reset()
	if err := run(t.Context(), []string{"serve", "--frobnicate"}, none, &out, &errOut); exitCode(err) != 2 || !strings.Contains(errOut.String(), "Usage: tenantry serve") {
		t.Errorf("serve --frobnicate: %v\n%s", err, errOut.String())
	}
	err := run(t.Context(), []string{"serve"}, none, &out, &errOut)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "DATABASE_URL") || !strings.Contains(err.Error(), "TENANTRY_JWT_KEY") {
		t.Errorf("serve without configuration: %v", err)
	}
	if err := run(t.Context(), []string{"migrate", "sideways"}, none, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("migrate sideways: %v", err)
	}
}

// TestGracefulShutdown starts the real serve loop, holds a request in flight, cancels (as SIGTERM
// does) and checks: readiness turns 503 during the drain, the in-flight request completes.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, testenv.NewDB(t))
	cfg.Addr = "127.0.0.1:0"
	cfg.DrainDelay = 700 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(io.Discard, 0), &addrWriter{c: addrc}) }()
	base := <-addrc
	rest, resc := requestInHandler(t, base+"/api/v1/auth/login", `{"email":"nobody@example.com",`)
	cancel()
	apitest.WaitFor(t, "readiness 503", func() bool {
		res, err := http.Get(base + "/health/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 503
	})
	_, _ = rest.Write([]byte(`"password":"whatever whatever"}`))
	_ = rest.Close()
	if st := <-resc; st != 401 {
		t.Errorf("the in-flight request ended with %d, want its normal 401", st)
	}
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
}

// requestInHandler starts a POST of a JSON body of which only head is sent, and returns once a
// handler is reading it: the request asks for 100 Continue, which the server sends when the
// handler first reads the body, and the client sends head only after that. The caller writes
// the rest of the body and closes it; the response status arrives on the channel (-1: no
// response).
func requestInHandler(t *testing.T, url, head string) (rest *io.PipeWriter, status <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pw.Close() })
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	resc := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", url, pr)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-continue")
		res, err := client.Do(req)
		if err != nil {
			resc <- -1
			return
		}
		res.Body.Close()
		resc <- res.StatusCode
	}()
	sent := make(chan struct{})
	go func() {
		_, _ = pw.Write([]byte(head)) // returns once the client has read head: after 100 Continue
		close(sent)
	}()
	select {
	case <-sent:
	case st := <-resc:
		t.Fatalf("the request ended (%d) before a handler read its body", st)
	case <-time.After(20 * time.Second):
		t.Fatal("timed out waiting for a handler to read the request body")
	}
	return pw, resc
}

// addrWriter picks the listen address out of serve's banner.
type addrWriter struct{ c chan string }

func (w *addrWriter) Write(p []byte) (int, error) {
	if i := bytes.Index(p, []byte("http://")); i >= 0 && w.c != nil {
		end := bytes.IndexByte(p[i:], '\n')
		w.c <- string(p[i : i+end])
		w.c = nil
	}
	return len(p), nil
}

// TestDrainLosesNoKeptAliveRequest: clients on kept-alive connections send requests (POSTs, which
// the Go client never retries) until a load balancer's readiness poll sees 503, as a load balancer
// would stop them; a SIGTERM in the middle of it, with serve's default drain delay, fails none of
// their requests, and the clients did reuse their connections.
func TestDrainLosesNoKeptAliveRequest(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, testenv.NewDB(t))
	cfg.Addr = "127.0.0.1:0"
	if cfg.DrainDelay != 5*time.Second { // the test runs serve's default, whatever it is
		t.Fatalf("serve's default TENANTRY_DRAIN_DELAY is %s, want 5s (docs/operations.md)", cfg.DrainDelay)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(io.Discard, 0), &addrWriter{c: addrc}) }()
	base := <-addrc

	var stop atomic.Bool
	var sent, failed, reused atomic.Int64
	var clients sync.WaitGroup
	for range 4 {
		clients.Go(func() {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			for !stop.Load() {
				trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
					if i.Reused {
						reused.Add(1)
					}
				}}
				req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
					http.MethodPost, base+"/health/live", strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				res, err := c.Do(req)
				sent.Add(1)
				if err != nil {
					failed.Add(1)
					t.Logf("request failed: %v", err)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
	apitest.WaitFor(t, "clients under way", func() bool { return sent.Load() > 200 })
	cancel()
	apitest.WaitFor(t, "readiness 503", func() bool { // the load balancer's poll
		res, err := http.Get(base + "/health/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusServiceUnavailable
	})
	stop.Store(true)
	clients.Wait()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed across the shutdown", failed.Load(), sent.Load())
	}
	if reused.Load() < sent.Load()/2 {
		t.Errorf("only %d of %d requests reused a kept-alive connection", reused.Load(), sent.Load())
	}
}
