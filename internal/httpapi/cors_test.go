package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// corsServer is a server with one public operation and the CORS allow-list origins.
func corsServer(t *testing.T, origins ...string) http.Handler {
	t.Helper()
	s := New(Options{Logger: slog.New(slog.DiscardHandler), CORSOrigins: origins})
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func serveOne(h http.Handler, method, path string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestCORS: an allowed origin's preflight answers 204 with the methods and headers the API takes,
// and its requests expose the headers clients read; another origin, and every origin without an
// allow-list, gets no CORS header, and its preflight is a 405 problem like any OPTIONS request.
func TestCORS(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.com"
	preflight := []string{"Origin", app, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,idempotency-key"}
	h := corsServer(t, app)
	r := serveOne(h, http.MethodOptions, "/health/live", preflight...)
	if r.Code != http.StatusNoContent || r.Header().Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("allowed preflight: %d %v", r.Code, r.Header())
	}
	for _, want := range []string{"Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match"} {
		if !strings.Contains(r.Header().Get("Access-Control-Allow-Headers"), want) {
			t.Errorf("allowed headers %q lack %s", r.Header().Get("Access-Control-Allow-Headers"), want)
		}
	}
	if !strings.Contains(r.Header().Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("allowed methods %q", r.Header().Get("Access-Control-Allow-Methods"))
	}
	r = serveOne(h, http.MethodGet, "/health/live", "Origin", app)
	if r.Code != 200 || r.Header().Get("Access-Control-Allow-Origin") != app {
		t.Errorf("allowed GET: %d %v", r.Code, r.Header())
	}
	for _, want := range []string{"ETag", "Location", "Retry-After", "Idempotent-Replayed", "RateLimit"} {
		if !strings.Contains(r.Header().Get("Access-Control-Expose-Headers"), want) {
			t.Errorf("exposed headers %q lack %s", r.Header().Get("Access-Control-Expose-Headers"), want)
		}
	}
	for name, h := range map[string]http.Handler{"another origin": h, "no allow-list": corsServer(t)} {
		other := append([]string{"Origin", "https://evil.example.org"}, preflight[2:]...)
		if name == "no allow-list" {
			other = preflight
		}
		r := serveOne(h, http.MethodOptions, "/health/live", other...)
		if r.Code != http.StatusMethodNotAllowed || r.Header().Get("Content-Type") != "application/problem+json" ||
			r.Header().Get("Access-Control-Allow-Origin") != "" || r.Header().Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("%s: preflight %d %v", name, r.Code, r.Header())
		}
	}
}

// TestCheckOrigins: an allow-list holds origins only.
func TestCheckOrigins(t *testing.T) {
	t.Parallel()
	if err := CheckOrigins([]string{"https://a.example.com", "http://localhost:5173"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"*", "a.example.com", "https://a.example.com/app", "ftp://a.example.com"} {
		if CheckOrigins([]string{bad}) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
