package app_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/console"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestDocsPageIsSelfContained: the assembled service serves its API docs without loading anything
// from another host.
func TestDocsPageIsSelfContained(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	page := s.Do("GET", "/docs", "", nil)
	if page.Status != 200 || bytes.Contains(page.Body, []byte("https://")) || bytes.Contains(page.Body, []byte("//unpkg")) {
		t.Errorf("docs page: %d, must load nothing from another host:\n%s", page.Status, page.Body)
	}
	for _, asset := range []string{"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"} {
		if r := s.Do("GET", asset, "", nil); r.Status != 200 || len(r.Body) < 1000 {
			t.Errorf("%s: %d, %d bytes", asset, r.Status, len(r.Body))
		}
	}
}

// TestLimitsAndErrorsAreProblems: the body limit and broken JSON answer problem+json, the request id
// is echoed, and the metrics name operations and the pools.
func TestLimitsAndErrorsAreProblems(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	big := `{"email":"` + strings.Repeat("a", 2<<20) + `","password":"x"}`
	r := s.Do("POST", "/api/v1/auth/login", "", big)
	if r.Status != http.StatusRequestEntityTooLarge || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("2 MiB body: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	r = s.Do("POST", "/api/v1/auth/login", "", `{"email":`)
	if r.Status/100 != 4 || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("broken JSON: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	r = s.Do("GET", "/api/v1/me", "", nil, "X-Request-Id", "req-abcdefgh-1234")
	if r.Header.Get("X-Request-Id") != "req-abcdefgh-1234" {
		t.Errorf("request id not echoed: %q", r.Header.Get("X-Request-Id"))
	}
	if m := s.Metrics(); !strings.Contains(m, `tenantry_http_requests_total{method="GET",operation="get-me",status="401"}`) ||
		!strings.Contains(m, "tenantry_db_pool_connections") {
		t.Errorf("metrics:\n%s", m)
	}
	if r := s.Do("GET", "/metrics", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("the API listener serves /metrics: %d", r.Status)
	}
}

// TestRouterErrorsAreProblems: an unknown path, a wrong method and a missing docs or console asset
// answer problem+json like every other error; an unknown path's body is the one a missing object
// gets. Other paths outside the API are the console's page, under its policy.
func TestRouterErrorsAreProblems(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("router-owner")
	missing := s.Do("GET", "/api/v1/sites/"+uuid.NewString(), owner.Access, nil)
	if missing.Status != http.StatusNotFound {
		t.Fatalf("missing site: %d %s", missing.Status, missing.Body)
	}
	for _, path := range []string{"/api/v1/no-such-thing", "/assets/no-such-asset.js", "/docs/no-such-asset.js"} {
		r := s.Do("GET", path, owner.Access, nil)
		if r.Status != http.StatusNotFound || r.Header.Get("Content-Type") != "application/problem+json" || !bytes.Equal(r.Body, missing.Body) {
			t.Errorf("GET %s: %d %s %s, want the body of a missing object %s", path, r.Status, r.Header.Get("Content-Type"), r.Body, missing.Body)
		}
	}
	page := s.Do("GET", "/parking/sites", "", nil)
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		page.Header.Get("Content-Security-Policy") != console.Policy || page.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /parking/sites: %d %v", page.Status, page.Header)
	}
	r := s.Do("DELETE", "/api/v1/me", owner.Access, nil)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(r.Header.Get("Allow"), "GET") || !bytes.Contains(r.Body, []byte(`"status":405`)) {
		t.Errorf("DELETE /api/v1/me: %d %s Allow=%q %s", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Allow"), r.Body)
	}
}

// TestDatabaseUnreachableIs503: while the database refuses connections, a request answers 503
// problem+json with Retry-After and writes one log line (carrying the cause); once the database is
// back, the same request succeeds.
func TestDatabaseUnreachableIs503(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("unreachable-owner")
	s.Must(200, "GET", "/api/v1/sites", owner.Access, nil)
	cfg, err := pgx.ParseConfig(s.Env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = "postgres" // a database cannot refuse its own connections
	super, err := pgx.ConnectConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(context.Background())
	name := pgx.Identifier{s.Env.Name}.Sanitize()
	if _, err := super.Exec(t.Context(), "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	if _, err := super.Exec(t.Context(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", s.Env.Name); err != nil {
		t.Fatal(err)
	}
	r := s.Do("GET", "/api/v1/sites", owner.Access, nil, "X-Request-Id", "unreachable-request-1")
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || r.Header.Get("Content-Type") != "application/problem+json" ||
		!bytes.Contains(r.Body, []byte(`"kind":"unavailable"`)) {
		t.Errorf("with the database refusing connections: %d Retry-After=%q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if n := strings.Count(s.Logs.String(), `"unreachable-request-1"`); n != 1 {
		t.Errorf("log lines of the request: %d, want 1:\n%s", n, s.Logs.String())
	}
	if _, err := super.Exec(t.Context(), "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true"); err != nil {
		t.Fatal(err)
	}
	s.Must(200, "GET", "/api/v1/sites", owner.Access, nil)
}
