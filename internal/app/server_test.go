package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

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
	if r := s.Do("GET", "/metrics", "", nil); r.Status != 200 || !bytes.Contains(r.Body, []byte(`tenantry_http_requests_total{method="GET",operation="get-me",status="401"}`)) ||
		!bytes.Contains(r.Body, []byte("tenantry_db_pool_connections")) {
		t.Errorf("metrics: %d\n%s", r.Status, r.Body)
	}
}
