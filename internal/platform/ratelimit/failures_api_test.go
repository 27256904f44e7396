package ratelimit_test

import (
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// fakeKey is a well-formed API key (valid checksum) that no tenant issued.
func fakeKey(t *testing.T) string {
	t.Helper()
	o, err := auth.NewOpaque(auth.KindAPIKey, auth.PackUUIDs(tenancy.NewID(), tenancy.NewID()))
	if err != nil {
		t.Fatal(err)
	}
	return o.Token()
}

// TestRefusedCredentialsAreBounded: 300 well-formed fake API keys from one address get 401 up to
// the auth-failure budget (60 a minute by default) and 429 with Retry-After after it; a refused
// request past the budget reads and writes nothing, and the security log holds at most 4 rows for
// the whole flood: one sampled invalid-key event and one rate-limit block per minute (the flood may
// straddle a minute boundary). Bad bearer tokens spend the same budget, and the address's own valid
// credentials wait with it.
func TestRefusedCredentialsAreBounded(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("flo")
	var unauthorized, limited, refilled int
	var blocked time.Time // the first 429
	for i := range 300 {
		r := s.Do("GET", "/api/v1/tenant", "", nil, "X-API-Key", fakeKey(t))
		switch {
		case r.Status == 401 && limited == 0:
			unauthorized++
		case r.Status == 401 && refilled < int(time.Since(blocked)/time.Second)+1:
			// The budget refills at one a second: on a slow machine the flood outlasts a refill,
			// and that one attempt is the limiter working, not leaking.
			refilled++
		case r.Status == 429 && r.Header.Get("Retry-After") != "":
			if limited == 0 {
				blocked = time.Now()
			}
			limited++
		default:
			t.Fatalf("request %d: %d (Retry-After %q) after %d 401s, %d 429s and %d refills in %s", i, r.Status,
				r.Header.Get("Retry-After"), unauthorized, limited, refilled, time.Since(blocked))
		}
	}
	if unauthorized < 60 || unauthorized > 70 || limited < 230-refilled {
		t.Errorf("%d answered 401 and %d 429, want about 60 and the rest", unauthorized, limited)
	}
	if r := s.Do("GET", "/api/v1/tenant", "not-a-jwt", nil); r.Status != 429 {
		t.Errorf("a bad bearer token from the blocked address: %d, want 429", r.Status)
	}
	if r := s.Do("GET", "/api/v1/tenant", a.Access, nil); r.Status != 429 {
		t.Errorf("a valid token from the blocked address during the flood: %d, want 429", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM security_events`); n < 2 || n > 4 {
		t.Errorf("the flood wrote %d security events, want 2 to 4 (sampled per minute)", n)
	}
	if n := s.Count(`SELECT count(*) FROM security_events WHERE action = 'security.rate_limited' AND details ->> 'policy' = 'auth-failure'`); n < 1 {
		t.Error("the block was not recorded")
	}
}
