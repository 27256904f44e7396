package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// BenchmarkAPIKeyRequest is the authenticated path in process, without the network: the assembled
// handler serving a request with an API key, on the real database (rate limits lifted but
// checked, request logs discarded). "tenant" is the smallest tenant read (GET /api/v1/tenant: the
// key's one scoped read, then one row); "spaces" the list scenario of `make bench` (GET
// /api/v1/spaces?limit=50 of 50 spaces). Each iteration is one request; run with -cpu to vary the
// concurrency.
func BenchmarkAPIKeyRequest(b *testing.B) {
	h, key, _, _ := benchApp(b)
	for _, path := range []string{"/api/v1/tenant", "/api/v1/spaces?limit=50"} {
		b.Run(map[bool]string{true: "tenant", false: "spaces"}[path == "/api/v1/tenant"], func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.Header.Set("X-API-Key", key)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Errorf("%s: %d %s", path, rec.Code, rec.Body)
						return
					}
				}
			})
		})
	}
}

// benchApp assembles the service as the binary does on a fresh database (rate limits lifted but
// checked, request logs written as JSON lines to io.Discard) and returns its handler, an API key of a tenant with 50 spaces
// (benchTenantKey), the tenant's id and the service's database.
func benchApp(tb testing.TB) (h http.Handler, key, tenant string, db *postgres.DB) {
	env := testenv.NewDB(tb)
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	var jwtKey [32]byte
	_, _ = rand.Read(jwtKey[:])
	cfg.JWTKey = base64.StdEncoding.EncodeToString(jwtKey[:])
	_, _ = rand.Read(jwtKey[:])
	cfg.SecretKey = base64.StdEncoding.EncodeToString(jwtKey[:])
	cfg.DatabaseURL, cfg.SystemURL = env.AppURL, env.SystemURL
	if cfg.RateLimits, err = ratelimit.ParseLimits("principal=1000000000/1m,tenant=1000000000/1m"); err != nil {
		tb.Fatal(err)
	}
	db = env.Open(tb, 4)
	// The binary's logger at its level, into io.Discard: the request log is part of the cost.
	a, err := newApp(cfg, db, newLogger(io.Discard, slog.LevelInfo))
	if err != nil {
		tb.Fatal(err)
	}
	// The session and key caches' listener, as the binary runs it: API keys are cached only while
	// it listens.
	ctx, stop := context.WithCancel(context.WithoutCancel(tb.Context()))
	done := make(chan struct{})
	go func() { a.Sessions(ctx); close(done) }()
	tb.Cleanup(func() { stop(); <-done })
	key, tenant = benchTenantKey(tb, a.Handler, env.SuperURL)
	awaitListener(tb, env.SuperURL)
	return a.Handler, key, tenant, db
}

// awaitListener waits until a connection of the database listens for the caches' changes.
func awaitListener(tb testing.TB, superURL string) {
	conn, err := pgx.Connect(tb.Context(), superURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(tb.Context()))
	for range 200 {
		var n int
		err := conn.QueryRow(tb.Context(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`).Scan(&n)
		if err != nil {
			tb.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatal("the caches' listener did not start")
}

// benchTenantKey registers a tenant (following the verification link, read from the outbox as the
// superuser), gives it 50 spaces and returns an API key reading both and the tenant's id.
func benchTenantKey(b testing.TB, h http.Handler, superURL string) (key, tenant string) {
	benchCall(b, h, http.StatusAccepted, "POST", "/api/v1/auth/register", "", map[string]any{
		"user":   map[string]any{"email": "bench@example.com", "name": "Bench", "password": "correct horse battery"},
		"tenant": map[string]any{"name": "Bench", "slug": "bench"}})
	conn, err := pgx.Connect(b.Context(), superURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(b.Context()))
	var verify string
	if err := conn.QueryRow(b.Context(), `SELECT substring(body FROM 'tnr_ver_[A-Za-z0-9]+') FROM outbox_messages`).Scan(&verify); err != nil {
		b.Fatal(err)
	}
	sess := benchCall(b, h, http.StatusOK, "POST", "/api/v1/auth/verify-email", "", map[string]any{"token": verify})
	token := sess["access_token"].(string)
	site := benchCall(b, h, http.StatusOK, "GET", "/api/v1/sites", token, nil)["items"].([]any)[0].(map[string]any)["id"]
	for i := range 50 {
		benchCall(b, h, http.StatusCreated, "POST", "/api/v1/spaces", token, map[string]any{"site_id": site, "code": fmt.Sprintf("S-%02d", i)})
	}
	k := benchCall(b, h, http.StatusCreated, "POST", "/api/v1/api-keys", token, map[string]any{"name": "bench", "scopes": []string{"tenant:read", "spaces:read"}})
	return k["key"].(string), sess["tenant_id"].(string)
}

// benchCall sends one JSON request to h with a bearer token and returns the decoded answer.
func benchCall(b testing.TB, h http.Handler, want int, method, path, token string, body any) map[string]any {
	b.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		b.Fatal(err)
	}
	return out
}
