package identity_test

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestSignInQueueIsBounded: with the one hashing slot taken, a sign-in waits the queue timeout and
// is answered 503 problem+json with Retry-After, and records nothing (no session, no audit or
// security event); the metrics count it; once the slot is free the same sign-in succeeds. The
// hashes here are 16 times the default's work (t=32), so the one that holds the slot outlasts the
// 100 ms queue several times over, loaded machine or not.
func TestSignInQueueIsBounded(t *testing.T) {
	t.Parallel()
	const queue = 100 * time.Millisecond
	slow := auth.DefaultParams()
	slow.Iterations = 32
	s := apitest.StartWith(t, apitest.Options{Unlimited: true, Configure: func(c *app.Config) {
		c.Hashing = auth.HasherConfig{Params: slow, MaxConcurrent: 1, QueueTimeout: queue}
	}})
	a := s.Register("hasty")
	body := map[string]any{"email": a.Email, "password": a.Password}
	signedIn := func() int {
		return s.Count(`SELECT (SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.login')
			+ 1000 * (SELECT count(*) FROM security_events WHERE action = 'auth.login')
			+ 1000000 * (SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1)`, a.TenantID)
	}
	before := signedIn()

	// The first sign-in takes the slot; the others arrive while it hashes.
	type answer struct {
		r    apitest.Response
		took time.Duration
	}
	answers := make([]answer, 4)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			start := time.Now()
			r := s.Do("POST", "/api/v1/auth/login", "", body)
			answers[i] = answer{r, time.Since(start)}
		})
		if i == 0 {
			time.Sleep(queue / 2)
		}
	}
	wg.Wait()
	ok, busy := 0, 0
	for _, an := range answers {
		switch an.r.Status {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			busy++
			p := an.r.JSON(t)
			if p["kind"] != "unavailable" || an.r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("503 = %s %s, want an unavailable problem+json", an.r.Header.Get("Content-Type"), an.r.Body)
			}
			if ra, err := strconv.Atoi(an.r.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("503 Retry-After = %q, want whole seconds ≥ 1", an.r.Header.Get("Retry-After"))
			}
			if an.took < queue {
				t.Errorf("503 after %s, want after waiting the queue timeout (%s)", an.took, queue)
			}
		default:
			t.Errorf("sign-in = %d %s, want 200 or 503", an.r.Status, an.r.Body)
		}
	}
	if ok != 1 || busy != len(answers)-1 {
		t.Fatalf("%d sign-ins succeeded and %d were refused, want 1 and %d (one slot)", ok, busy, len(answers)-1)
	}
	if got := signedIn(); got != before+1000001 { // the one sign-in: its audit row and refresh token
		t.Errorf("sign-in records %d → %d, want only the successful sign-in's", before, got)
	}
	m := regexp.MustCompile(`(?m)^tenantry_password_hashes_refused_total (\d+)$`).FindStringSubmatch(s.Metrics())
	if m == nil || m[1] != strconv.Itoa(busy) {
		t.Errorf("tenantry_password_hashes_refused_total = %v, want %d", m, busy)
	}

	// The slot is free again: the same sign-in succeeds.
	s.Must(http.StatusOK, "POST", "/api/v1/auth/login", "", body)
}
