package ratelimit

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	perMin := func(n int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: n} }
	allowed := Decision{Allowed: true, Checks: []Checked{
		{Policy: "principal", Result: Result{Allowed: true, Limit: perMin(600), Remaining: 599, ResetAfter: 100 * time.Millisecond}},
		{Policy: "tenant", Result: Result{Allowed: true, Limit: perMin(3000), Remaining: 10, ResetAfter: 59*time.Second + time.Millisecond}},
	}}
	want := map[string]string{
		"RateLimit-Policy":      `"principal";q=600;w=60, "tenant";q=3000;w=60`,
		"RateLimit":             `"principal";r=599;t=1, "tenant";r=10;t=60`,
		"X-RateLimit-Limit":     "3000", // the binding bucket: the tenant's, with 10 left
		"X-RateLimit-Remaining": "10",
		"X-RateLimit-Reset":     "60",
	}
	h := headers(allowed)
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if h.Get("Retry-After") != "" || len(h) != len(want) {
		t.Errorf("allowed: headers %v", h)
	}
	denied := Decision{Checks: []Checked{
		{Policy: "login", Result: Result{Limit: Limit{Rate: 20, Period: 90 * time.Second, Burst: 40}, RetryAfter: 2500 * time.Millisecond, ResetAfter: 179 * time.Second}},
	}}
	h = headers(denied)
	for k, v := range map[string]string{"RateLimit-Policy": `"login";q=20;w=90`, "RateLimit": `"login";r=0;t=179`, "Retry-After": "3",
		"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "179"} {
		if got := h.Get(k); got != v {
			t.Errorf("denied %s: %q, want %q", k, got, v)
		}
	}
	tiny := Decision{Checks: []Checked{{Policy: "ip", Result: Result{Limit: perMin(1), RetryAfter: time.Millisecond}}}}
	if got := headers(tiny).Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After for 1ms: %q, want 1 (never 0)", got)
	}
}

// bearer authenticates "Bearer member" as a member of one tenant.
type bearer struct {
	tenant tenancy.TenantID
	user   tenancy.UserID
}

func (b bearer) Authenticate(_ context.Context, c httpapi.Credentials) (httpapi.Caller, error) {
	if c.Bearer != "member" {
		return httpapi.Caller{}, errs.ErrUnauthorized
	}
	return httpapi.Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: b.user}, Tenant: b.tenant, Role: tenancy.RoleViewer}, nil
}

func limitedServer(t *testing.T, limits map[string]Limit) (*httptest.Server, *Service) {
	t.Helper()
	svc, err := New(Config{Limiter: NewMemory(MemoryOptions{}), Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	s := httpapi.New(httpapi.Options{Logger: log, Authenticator: bearer{tenancy.TenantID(tenancy.NewID()), tenancy.UserID(tenancy.NewID())},
		Admission: []httpapi.Admission{svc.Middleware}})
	type out struct{ Body struct{ OK bool } }
	ok := func(context.Context, *struct{}) (*out, error) { o := &out{}; o.Body.OK = true; return o, nil }
	httpapi.Register(s.API(), log, huma.Operation{OperationID: "get-thing", Method: http.MethodGet, Path: "/thing"},
		httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleViewer}, ok)
	httpapi.Register(s.API(), log, huma.Operation{OperationID: "get-shared", Method: http.MethodGet, Path: "/shared",
		Metadata: map[string]any{PolicyKey: ShareLink}}, httpapi.Access{Class: httpapi.Public}, ok)
	httpapi.Register(s.API(), log, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/login"}, httpapi.Access{Class: httpapi.Public},
		func(ctx context.Context, _ *struct{}) (*out, error) { return nil, svc.Account(ctx, "ana@example.com") })
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, svc
}

func get(t *testing.T, method, url, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func TestLimitMiddleware(t *testing.T) {
	t.Parallel()
	one := Limit{Rate: 2, Period: time.Minute, Burst: 2}
	srv, _ := limitedServer(t, map[string]Limit{Principal: one, IP: one, ShareLink: one, Account: one})

	res, _ := get(t, "GET", srv.URL+"/thing", "member")
	if res.StatusCode != 200 || res.Header.Get("RateLimit") != `"principal";r=1;t=30, "tenant";r=2999;t=1` {
		t.Fatalf("first request: %d, RateLimit %q", res.StatusCode, res.Header.Get("RateLimit"))
	}
	get(t, "GET", srv.URL+"/thing", "member")
	res, body := get(t, "GET", srv.URL+"/thing", "member")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("third request: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var p httpapi.Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Kind != "rate_limited" || p.Status != 429 || p.Detail != "too many requests" {
		t.Fatalf("problem: %s", body)
	}
	for _, k := range []string{"Retry-After", "RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if res.Header.Get(k) == "" {
			t.Errorf("429 without %s", k)
		}
	}
	if res.Header.Get("Retry-After") != "30" || res.Header.Get("RateLimit") != `"principal";r=0;t=60` {
		t.Errorf("429: Retry-After %q, RateLimit %q", res.Header.Get("Retry-After"), res.Header.Get("RateLimit"))
	}

	// Unauthenticated requests to a tenant operation are refused by authentication, not counted.
	if res, _ := get(t, "GET", srv.URL+"/thing", ""); res.StatusCode != 401 || res.Header.Get("RateLimit") != "" {
		t.Errorf("anonymous on a tenant operation: %d, RateLimit %q", res.StatusCode, res.Header.Get("RateLimit"))
	}
	// An operation that names its policy is counted under it.
	if res, _ := get(t, "GET", srv.URL+"/shared", ""); res.Header.Get("RateLimit-Policy") != `"share-link";q=2;w=60` {
		t.Errorf("share link: RateLimit-Policy %q", res.Header.Get("RateLimit-Policy"))
	}
	// Health is exempt however many probes come.
	for i := range 20 {
		res, _ := get(t, "GET", srv.URL+"/health/live", "")
		if res.StatusCode != 200 || res.Header.Get("RateLimit") != "" {
			t.Fatalf("probe %d: %d, RateLimit %q", i+1, res.StatusCode, res.Header.Get("RateLimit"))
		}
	}
	// A handler that returns the per-account error answers like the middleware.
	var last *http.Response
	for range 3 {
		last, body = get(t, "POST", srv.URL+"/login", "")
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") != "30" || last.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("per-account limit from a handler: %d %v %s", last.StatusCode, last.Header, body)
	}
	// Both buckets are listed (one field line each), the trio describes the refusing one only.
	policies := strings.Join(last.Header.Values("RateLimit-Policy"), ", ")
	if policies != `"account";q=2;w=60, "login";q=20;w=60` || len(last.Header.Values("X-RateLimit-Limit")) != 1 {
		t.Fatalf("per-account refusal: RateLimit-Policy %q, X-RateLimit-Limit %q", policies, last.Header.Values("X-RateLimit-Limit"))
	}
}
