package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/testkit/redistest"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// startInstances starts n instances of the service on one database, with the configuration
// changed by tune; they share the signing key, so a token from one is good on all.
func startInstances(t *testing.T, n int, tune func(*config)) []*testServer {
	t.Helper()
	env := testenv.NewDB(t)
	cfg := testConfig(t, env)
	tune(&cfg)
	out := make([]*testServer, 0, n)
	for range n {
		s := &testServer{t: t, env: env, cfg: cfg, logs: &lockedBuffer{}}
		s.db = env.Open(t, 4)
		var err error
		if s.app, err = newApp(cfg, s.db, newLogger(s.logs, slog.LevelDebug)); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.app.Handler)
		t.Cleanup(srv.Close)
		t.Cleanup(s.checkAudited)
		s.url = srv.URL
		out = append(out, s)
	}
	return out
}

func limits(spec string) func(*config) {
	return func(c *config) {
		l, err := ratelimit.ParseLimits(spec)
		if err != nil {
			panic(err)
		}
		c.RateLimits = l
	}
}

func wantHeaders(t *testing.T, what string, r response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

func TestRateLimitedResponse(t *testing.T) {
	t.Parallel()
	s := startInstances(t, 1, limits("principal=3/1m,login=2/1m"))[0]
	a := s.register("rita")
	for i := range 3 {
		r := s.do("GET", "/api/v1/tenant", a.access, nil)
		if r.status != 200 {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
		}
		wantHeaders(t, "allowed", r, map[string]string{
			"RateLimit-Policy":      `"principal";q=3;w=60, "tenant";q=3000;w=60`,
			"X-RateLimit-Limit":     "3",
			"X-RateLimit-Remaining": []string{"2", "1", "0"}[i],
		})
		if !strings.HasPrefix(r.header.Get("RateLimit"), `"principal";r=`+[]string{"2", "1", "0"}[i]+";t=") {
			t.Errorf("request %d: RateLimit %q", i+1, r.header.Get("RateLimit"))
		}
	}
	for range 5 {
		r := s.do("GET", "/api/v1/tenant", a.access, nil)
		if r.status != http.StatusTooManyRequests || r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("over the limit: %d %s", r.status, r.body)
		}
		if p := r.json(t); p["kind"] != "rate_limited" || p["status"] != 429.0 || p["detail"] != "too many requests" {
			t.Fatalf("problem: %s", r.body)
		}
		wantHeaders(t, "refused", r, map[string]string{
			"Retry-After": "20", "RateLimit-Policy": `"principal";q=3;w=60`, "RateLimit": `"principal";r=0;t=60`,
			"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "60",
		})
	}
	// Eight refusals, one security event in the tenant's audit log.
	if n := s.count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'security.rate_limited' AND outcome = 'denied' AND target_id = 'principal'`, a.tenantID); n != 1 {
		t.Errorf("tenant audit rows for the block: %d, want 1", n)
	}

	// Sign-in is limited per client address; the block lands in the security log.
	for i := range 4 {
		r := s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "wrong password!"})
		want := []int{401, 401, 429, 429}[i]
		if r.status != want {
			t.Fatalf("sign-in %d: %d, want %d: %s", i+1, r.status, want, r.body)
		}
		if want == 429 {
			wantHeaders(t, "sign-in refused", r, map[string]string{"Retry-After": "30", "RateLimit-Policy": `"login";q=2;w=60`})
		}
	}
	if n := s.count(`SELECT count(*) FROM security_events WHERE action = 'security.rate_limited' AND details ->> 'policy' = 'login'`); n != 1 {
		t.Errorf("security log rows for the sign-in block: %d, want 1", n)
	}

	// Probes, metrics and docs are never limited and carry no budget.
	for i := range 50 {
		for _, path := range []string{"/health/live", "/health/ready", "/metrics", "/docs"} {
			if r := s.do("GET", path, "", nil); r.status != 200 || r.header.Get("RateLimit") != "" {
				t.Fatalf("%s, request %d: %d, RateLimit %q", path, i+1, r.status, r.header.Get("RateLimit"))
			}
		}
	}
	m := string(s.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{`tenantry_ratelimit_decisions_total{outcome="limited",policy="principal"} 5`, `tenantry_ratelimit_decisions_total{outcome="allowed",policy="tenant"} 3`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestTenantSettingsOverrideLimits: a tenant's settings (e.g. its plan) change its limits.
func TestTenantSettingsOverrideLimits(t *testing.T) {
	t.Parallel()
	s := startInstances(t, 1, func(*config) {})[0]
	a := s.register("otto")
	s.count(`WITH u AS (UPDATE tenants SET settings = '{"rate_limits": {"principal": "2/1m"}}' WHERE id = $1 RETURNING 1) SELECT count(*) FROM u`, a.tenantID)
	statuses := []int{}
	for range 3 {
		r := s.do("GET", "/api/v1/tenant", a.access, nil)
		statuses = append(statuses, r.status)
		if r.status == 429 && r.header.Get("RateLimit-Policy") != `"principal";q=2;w=60` {
			t.Errorf("RateLimit-Policy %q", r.header.Get("RateLimit-Policy"))
		}
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 429 {
		t.Fatalf("statuses %v under the tenant's override of 2/1m", statuses)
	}
	b := s.register("ulla") // another tenant keeps the default
	if r := s.do("GET", "/api/v1/tenant", b.access, nil); r.status != 200 || r.header.Get("X-RateLimit-Limit") != "600" {
		t.Fatalf("other tenant: %d, limit %q", r.status, r.header.Get("X-RateLimit-Limit"))
	}
}

// TestTwoInstancesShareOneLimit: with REDIS_URL, two instances on one database and one Redis
// enforce one limit; without it, each instance counts on its own (the control).
func TestTwoInstancesShareOneLimit(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	run := func(redisURL string) (allowed int, blocks int) {
		servers := startInstances(t, 2, func(c *config) {
			limits("principal=10/1m")(c)
			c.RedisURL = redisURL
		})
		a := servers[0].register("sam")
		for i := range 40 {
			s := servers[i%2]
			r := s.do("GET", "/api/v1/tenant", a.access, nil)
			switch r.status {
			case 200:
				allowed++
			case 429:
				if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 6 {
					t.Errorf("Retry-After %q, want 1 to 6 (one request every 6s)", r.header.Get("Retry-After"))
				}
			default:
				t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
			}
		}
		return allowed, servers[0].count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'security.rate_limited'`, a.tenantID)
	}
	start := time.Now()
	if allowed, blocks := run(redis.URL); allowed != 10 || blocks != 1 {
		t.Fatalf("two instances on one Redis allowed %d of 40 requests (want 10) and recorded %d blocks (want 1)", allowed, blocks)
	}
	t.Logf("40 requests over two instances sharing Redis: 10 allowed, 30 refused, 1 audit row (%v)", time.Since(start).Round(time.Millisecond))
	if allowed, _ := run(""); allowed != 20 {
		t.Fatalf("control: two instances without Redis allowed %d, want 10 each", allowed)
	}
}
