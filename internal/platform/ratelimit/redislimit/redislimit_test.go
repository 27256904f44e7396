package redislimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/platform/ratelimit/redislimit"
	"github.com/tenantry/tenantry/internal/testkit/redistest"
)

func open(t *testing.T, url string) *redislimit.Limiter {
	t.Helper()
	l, c, err := redislimit.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return l
}

// TestSameGCRAAsMemory: the Redis limiter and the in-process one give the same answers to a burst.
func TestSameGCRAAsMemory(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r := open(t, srv.URL)
	m := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	lim := ratelimit.Limit{Rate: 5, Period: time.Minute, Burst: 5} // one every 12s
	for i := range 7 {
		got, err := r.Allow(t.Context(), "k", lim)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := m.Allow(t.Context(), "k", lim)
		if got.Allowed != want.Allowed || got.Remaining != want.Remaining {
			t.Fatalf("request %d: redis %+v, memory %+v", i+1, got, want)
		}
		if !near(got.RetryAfter, want.RetryAfter) || !near(got.ResetAfter, want.ResetAfter) {
			t.Fatalf("request %d: redis retry/reset %v/%v, memory %v/%v", i+1, got.RetryAfter, got.ResetAfter, want.RetryAfter, want.ResetAfter)
		}
	}
}

func near(a, b time.Duration) bool { return (a - b).Abs() < 500*time.Millisecond }

// TestOneLimitForEveryClient: two clients (two instances) of one server share each key's budget.
func TestOneLimitForEveryClient(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, b := open(t, srv.URL), open(t, srv.URL)
	lim := ratelimit.Limit{Rate: 10, Period: time.Minute, Burst: 10}
	allowed := 0
	for i := range 30 {
		l := a
		if i%2 == 1 {
			l = b
		}
		res, err := l.Allow(t.Context(), "shared", lim)
		if err != nil {
			t.Fatal(err)
		}
		if res.Allowed {
			allowed++
		} else if res.RetryAfter <= 0 || res.RetryAfter > 6*time.Second {
			t.Fatalf("refusal %d: retry after %v, want (0, 6s]", i+1, res.RetryAfter)
		}
	}
	if allowed != 10 {
		t.Fatalf("%d of 30 requests through two clients allowed, want the one burst of 10", allowed)
	}
}

// TestOutageKeepsLimits: when Redis goes away, Fallback keeps enforcing the limits from memory,
// counts the failures, and does not wait for Redis on every request.
func TestOutageKeepsLimits(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	m := ratelimit.NewMetrics()
	f := &ratelimit.Fallback{Store: open(t, srv.URL), Local: ratelimit.NewMemory(ratelimit.MemoryOptions{}), Metrics: m, RetryAfter: time.Hour}
	lim := ratelimit.Limit{Rate: 3, Period: time.Minute, Burst: 3}
	if r, err := f.Allow(t.Context(), "before", lim); err != nil || !r.Allowed {
		t.Fatalf("with Redis up: %+v, %v", r, err)
	}
	srv.Stop()
	start := time.Now()
	allowed := 0
	for i := range 100 {
		r, err := f.Allow(t.Context(), fmt.Sprint("during-", i%2), lim)
		if err != nil {
			t.Fatalf("request %d during the outage: %v", i+1, err)
		}
		if r.Allowed {
			allowed++
		}
	}
	if allowed != 6 {
		t.Fatalf("during the outage %d of 100 requests on two keys were allowed, want 2×3 from memory", allowed)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("100 requests during the outage took %v: each waited for Redis", d)
	}
}

func BenchmarkRedisAllow(b *testing.B) {
	srv := redistest.Start(b)
	l, c, err := redislimit.Open(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	lim := ratelimit.Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	for b.Loop() {
		if _, err := l.Allow(b.Context(), "bench", lim); err != nil {
			b.Fatal(err)
		}
	}
}
