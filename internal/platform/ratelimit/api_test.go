package ratelimit_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/redistest"
)

// limits is a configuration with the rate limits of spec (TENANTRY_RATE_LIMITS syntax).
func limits(spec string) func(*app.Config) {
	return func(c *app.Config) {
		l, err := ratelimit.ParseLimits(spec)
		if err != nil {
			panic(err)
		}
		c.RateLimits = l
	}
}

func wantHeaders(t *testing.T, what string, r apitest.Response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

func TestRateLimitedResponse(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Configure: limits("principal=3/1m,login=2/1m")})
	a := s.Register("rita")
	for i := range 3 {
		r := s.Do("GET", "/api/v1/tenant", a.Access, nil)
		if r.Status != 200 {
			t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
		}
		wantHeaders(t, "allowed", r, map[string]string{
			"RateLimit-Policy":      `"principal";q=3;w=60, "tenant";q=3000;w=60`,
			"X-RateLimit-Limit":     "3",
			"X-RateLimit-Remaining": []string{"2", "1", "0"}[i],
		})
		if !strings.HasPrefix(r.Header.Get("RateLimit"), `"principal";r=`+[]string{"2", "1", "0"}[i]+";t=") {
			t.Errorf("request %d: RateLimit %q", i+1, r.Header.Get("RateLimit"))
		}
	}
	for range 5 {
		r := s.Do("GET", "/api/v1/tenant", a.Access, nil)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("over the limit: %d %s", r.Status, r.Body)
		}
		if p := r.JSON(t); p["kind"] != "rate_limited" || p["status"] != 429.0 || p["detail"] != "too many requests" {
			t.Fatalf("problem: %s", r.Body)
		}
		wantHeaders(t, "refused", r, map[string]string{
			"Retry-After": "20", "RateLimit-Policy": `"principal";q=3;w=60`, "RateLimit": `"principal";r=0;t=60`,
			"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "60",
		})
	}
	// Eight refusals, one security event in the tenant's audit log.
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'security.rate_limited' AND outcome = 'denied' AND target_id = 'principal'`, a.TenantID); n != 1 {
		t.Errorf("tenant audit rows for the block: %d, want 1", n)
	}

	// Sign-in is limited per client address; the block lands in the security log.
	for i := range 4 {
		r := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "wrong password!"})
		want := []int{401, 401, 429, 429}[i]
		if r.Status != want {
			t.Fatalf("sign-in %d: %d, want %d: %s", i+1, r.Status, want, r.Body)
		}
		if want == 429 {
			wantHeaders(t, "sign-in refused", r, map[string]string{"RateLimit-Policy": `"login";q=2;w=60`})
			// 30 s until the next sign-in is due, less the time the slow password checks took
			// (whole seconds are rounded down, so a loaded machine can see 29 or 28).
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 25 || ra > 30 {
				t.Errorf("sign-in refused: Retry-After = %q, want 25..30", r.Header.Get("Retry-After"))
			}
		}
	}
	if n := s.Count(`SELECT count(*) FROM security_events WHERE action = 'security.rate_limited' AND details ->> 'policy' = 'login'`); n != 1 {
		t.Errorf("security log rows for the sign-in block: %d, want 1", n)
	}

	// Probes and docs are never limited and carry no budget.
	for i := range 50 {
		for _, path := range []string{"/health/live", "/health/ready", "/docs"} {
			if r := s.Do("GET", path, "", nil); r.Status != 200 || r.Header.Get("RateLimit") != "" {
				t.Fatalf("%s, request %d: %d, RateLimit %q", path, i+1, r.Status, r.Header.Get("RateLimit"))
			}
		}
	}
	m := s.Metrics()
	for _, want := range []string{`tenantry_ratelimit_decisions_total{outcome="limited",policy="principal"} 5`, `tenantry_ratelimit_decisions_total{outcome="allowed",policy="tenant"} 3`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestTenantSettingsOverrideLimits: a tenant's settings (e.g. its plan) change its limits.
func TestTenantSettingsOverrideLimits(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("otto")
	s.Count(`WITH u AS (UPDATE tenants SET settings = '{"rate_limits": {"principal": "2/1m"}}' WHERE id = $1 RETURNING 1) SELECT count(*) FROM u`, a.TenantID)
	statuses := []int{}
	for range 3 {
		r := s.Do("GET", "/api/v1/tenant", a.Access, nil)
		statuses = append(statuses, r.Status)
		if r.Status == 429 && r.Header.Get("RateLimit-Policy") != `"principal";q=2;w=60` {
			t.Errorf("RateLimit-Policy %q", r.Header.Get("RateLimit-Policy"))
		}
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 429 {
		t.Fatalf("statuses %v under the tenant's override of 2/1m", statuses)
	}
	b := s.Register("ulla") // another tenant keeps the default
	if r := s.Do("GET", "/api/v1/tenant", b.Access, nil); r.Status != 200 || r.Header.Get("X-RateLimit-Limit") != "600" {
		t.Fatalf("other tenant: %d, limit %q", r.Status, r.Header.Get("X-RateLimit-Limit"))
	}
}

// TestTwoInstancesShareOneLimit: with REDIS_URL, two instances on one database and one Redis
// enforce one limit; without it, each instance counts on its own (the control).
func TestTwoInstancesShareOneLimit(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	run := func(redisURL string) (allowed int, blocks int) {
		servers := apitest.Instances(t, 2, apitest.Options{Configure: func(c *app.Config) {
			limits("principal=10/1m")(c)
			c.RedisURL = redisURL
		}})
		a := servers[0].Register("sam")
		for i := range 40 {
			s := servers[i%2]
			r := s.Do("GET", "/api/v1/tenant", a.Access, nil)
			switch r.Status {
			case 200:
				allowed++
			case 429:
				if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 6 {
					t.Errorf("Retry-After %q, want 1 to 6 (one request every 6s)", r.Header.Get("Retry-After"))
				}
			default:
				t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		return allowed, servers[0].Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'security.rate_limited'`, a.TenantID)
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
