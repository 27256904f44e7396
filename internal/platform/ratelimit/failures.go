package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// maxBlocked bounds the addresses an instance remembers as blocked; when full, the expired ones
// are dropped, and if none has expired, all of them (the budget itself stays in the limiter).
const maxBlocked = 100_000

// blocked remembers, on this instance, the client addresses that spent their AuthFailure budget
// and until when, so that their next requests are refused before their credentials are checked.
// The budget is kept by the limiter (shared across instances with Redis); each instance learns an
// address is blocked from the first failure it sees refused.
type blocked struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (b *blocked) get(key string, now time.Time) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[key]
	if !ok || !now.Before(t) {
		return 0, false
	}
	return t.Sub(now), true
}

func (b *blocked) set(key string, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = map[string]time.Time{}
	}
	if len(b.until) >= maxBlocked {
		now := time.Now()
		for k, t := range b.until {
			if !now.Before(t) {
				delete(b.until, k)
			}
		}
		if len(b.until) >= maxBlocked {
			clear(b.until)
		}
	}
	b.until[key] = until
}

// BeforeCredentials is asked before a request's credentials are checked (httpapi.FailureLimit). It
// refuses, with a RateLimited error, a client address that spent its AuthFailure budget: nothing
// of such a request is read or written, not even a security event.
func (s *Service) BeforeCredentials(ctx context.Context) error {
	c, l := s.failureCheck(ctx)
	wait, ok := s.blocked.get(c.key, time.Now())
	if !ok {
		return nil
	}
	s.metrics.decided(AuthFailure, false)
	return Decision{Checks: []Checked{{Policy: AuthFailure, Result: Result{Limit: l, RetryAfter: wait, ResetAfter: l.Period}}}}.Err()
}

// CredentialsRefused counts one refused credential (a bad API key, a bad, expired or revoked
// bearer token) against the client address's AuthFailure budget (httpapi.FailureLimit). When the
// budget is spent it returns a RateLimited error, which the client gets instead of the 401, and the
// address is refused before its credentials are checked until the budget allows one again.
func (s *Service) CredentialsRefused(ctx context.Context) error {
	c, l := s.failureCheck(ctx)
	res, err := s.limiter.Allow(ctx, c.key, l)
	if err != nil {
		s.log.WarnContext(ctx, "rate limit: store failed; failure not counted", "policy", AuthFailure, "err", err)
		return nil
	}
	s.metrics.decided(AuthFailure, res.Allowed)
	if res.Allowed {
		return nil
	}
	s.blocked.set(c.key, time.Now().Add(res.RetryAfter))
	s.recordBlock(ctx, c, l, tenancy.Principal{})
	return Decision{Checks: []Checked{{Policy: AuthFailure, Result: res}}}.Err()
}

// failureCheck is the AuthFailure bucket of the request's client address, and its limit.
func (s *Service) failureCheck(ctx context.Context) (check, Limit) {
	return check{policy: AuthFailure, key: AuthFailure + ":ip:" + addrKey(tenancy.RequestFrom(ctx).IP)}, s.limits[AuthFailure]
}
