package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/httpapi"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestOpenAPIGolden keeps the generated OpenAPI document under review: any change to the API
// shows up as a diff of testdata/openapi.golden.json (go test -run OpenAPI -update rewrites it).
func TestOpenAPIGolden(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := s.do("GET", "/openapi.json", "", nil)
	if r.status != 200 {
		t.Fatalf("openapi: %d", r.status)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
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

func TestDocsPageIsSelfContained(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	page := s.do("GET", "/docs", "", nil)
	if page.status != 200 || bytes.Contains(page.body, []byte("https://")) || bytes.Contains(page.body, []byte("//unpkg")) {
		t.Errorf("docs page: %d, must load nothing from another host:\n%s", page.status, page.body)
	}
	for _, asset := range []string{"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"} {
		if r := s.do("GET", asset, "", nil); r.status != 200 || len(r.body) < 1000 {
			t.Errorf("%s: %d, %d bytes", asset, r.status, len(r.body))
		}
	}
}

func TestLimitsAndErrorsAreProblems(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	big := `{"email":"` + strings.Repeat("a", 2<<20) + `","password":"x"}`
	r := s.do("POST", "/api/v1/auth/login", "", big)
	if r.status != http.StatusRequestEntityTooLarge || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("2 MiB body: %d %s", r.status, r.header.Get("Content-Type"))
	}
	r = s.do("POST", "/api/v1/auth/login", "", `{"email":`)
	if r.status/100 != 4 || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("broken JSON: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	r = s.do("GET", "/api/v1/me", "", nil, "X-Request-Id", "req-abcdefgh-1234")
	if r.header.Get("X-Request-Id") != "req-abcdefgh-1234" {
		t.Errorf("request id not echoed: %q", r.header.Get("X-Request-Id"))
	}
	if r := s.do("GET", "/metrics", "", nil); r.status != 200 || !bytes.Contains(r.body, []byte(`tenantry_http_requests_total{method="GET",operation="get-me",status="401"}`)) ||
		!bytes.Contains(r.body, []byte("tenantry_db_pool_connections")) {
		t.Errorf("metrics: %d\n%s", r.status, r.body)
	}
}

// TestNoSecretsInLogs runs a whole session and searches the server's log for every secret it saw.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("lea")
	r := s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.refresh})
	s.do("GET", "/api/v1/me", a.access, nil)
	s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.email, "password": "wrong password here"})
	logs := s.logs.String()
	if !strings.Contains(logs, `"operation":"refresh"`) || !strings.Contains(logs, a.tenantID) {
		t.Fatalf("the log does not have the request lines this test expects:\n%s", logs)
	}
	for _, secret := range []string{a.password, "wrong password here", a.access, a.refresh, r.json(t)["refresh_token"].(string), "tnr_rt_", "eyJ"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret (%.12s...)", secret)
		}
	}
}

// TestVerifyCommand: verify passes on a migrated database and fails, naming the table, once one
// policy is dropped.
func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	env := map[string]string{"DATABASE_OWNER_URL": s.env.OwnerURL, "DATABASE_URL": s.env.AppURL}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"verify"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("verify on a migrated database: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "PASS  rls.forced  public.memberships") || strings.Contains(out.String(), "FAIL") {
		t.Fatalf("verify output:\n%s", out.String())
	}
	conn, err := pgx.Connect(t.Context(), s.env.OwnerURL)
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
	if err := run(t.Context(), []string{"serve", "-h"}, none, &out, &errOut); err != nil || !strings.Contains(errOut.String(), "DATABASE_SYSTEM_URL") {
		t.Errorf("serve -h: %v\n%s", err, errOut.String())
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
	s := startServer(t)
	cfg := s.cfg
	cfg.Addr = "127.0.0.1:0"
	cfg.DrainDelay = 700 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(io.Discard, 0), &addrWriter{c: addrc}) }()
	base := <-addrc
	resc := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", pr)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- -1
			return
		}
		res.Body.Close()
		resc <- res.StatusCode
	}()
	_, _ = pw.Write([]byte(`{"email":"nobody@example.com",`))
	time.Sleep(200 * time.Millisecond) // the request is now being read by a handler
	cancel()
	waitFor(t, "readiness 503", func() bool {
		res, err := http.Get(base + "/health/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 503
	})
	_, _ = pw.Write([]byte(`"password":"whatever whatever"}`))
	_ = pw.Close()
	if st := <-resc; st != 401 {
		t.Errorf("the in-flight request ended with %d, want its normal 401", st)
	}
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
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
