package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func allow(t *testing.T, l Limiter, key string, lim Limit) Result {
	t.Helper()
	r, err := l.Allow(t.Context(), key, lim)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGCRABurstThenRefusal(t *testing.T) {
	t.Parallel()
	clk := newClock()
	m := NewMemory(MemoryOptions{Now: clk.Now})
	lim := Limit{Rate: 10, Period: time.Second, Burst: 5} // one every 100ms, five at once
	for i := range 5 {
		r := allow(t, m, "k", lim)
		if !r.Allowed || r.Remaining != 4-i || r.RetryAfter != 0 {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i+1, r, 4-i)
		}
		if want := time.Duration(i+1) * 100 * time.Millisecond; r.ResetAfter != want {
			t.Fatalf("request %d: reset after %v, want %v", i+1, r.ResetAfter, want)
		}
	}
	r := allow(t, m, "k", lim)
	if r.Allowed || r.Remaining != 0 || r.RetryAfter != 100*time.Millisecond || r.ResetAfter != 500*time.Millisecond {
		t.Fatalf("sixth request: %+v, want refused, retry after 100ms, reset after 500ms", r)
	}
	if r := allow(t, m, "other", lim); !r.Allowed || r.Remaining != 4 {
		t.Fatalf("another key shares the budget: %+v", r)
	}
}

func TestGCRARetryAfterIsExact(t *testing.T) {
	t.Parallel()
	clk := newClock()
	m := NewMemory(MemoryOptions{Now: clk.Now})
	lim := Limit{Rate: 3, Period: time.Minute, Burst: 3} // one every 20s
	for range 3 {
		allow(t, m, "k", lim)
	}
	clk.Advance(7 * time.Second)
	r := allow(t, m, "k", lim)
	if r.Allowed || r.RetryAfter != 13*time.Second {
		t.Fatalf("refusal: %+v, want retry after 13s", r)
	}
	clk.Advance(r.RetryAfter - time.Nanosecond)
	if r := allow(t, m, "k", lim); r.Allowed {
		t.Fatalf("allowed 1ns before Retry-After: %+v", r)
	}
	clk.Advance(time.Nanosecond)
	if r := allow(t, m, "k", lim); !r.Allowed || r.Remaining != 0 {
		t.Fatalf("at Retry-After: %+v, want allowed with 0 remaining", r)
	}
}

func TestGCRASteadyRate(t *testing.T) {
	t.Parallel()
	clk := newClock()
	m := NewMemory(MemoryOptions{Now: clk.Now})
	lim := Limit{Rate: 100, Period: time.Second, Burst: 1} // one every 10ms, no burst
	allowed := 0
	for range 1000 { // 10s of requests every 5ms: twice the rate
		if allow(t, m, "k", lim).Allowed {
			allowed++
		}
		clk.Advance(5 * time.Millisecond)
	}
	if allowed != 500 {
		t.Fatalf("allowed %d of 1000 requests at twice the rate, want 500", allowed)
	}
	clk.Advance(time.Second)
	for i := range 100 { // exactly at the rate: all allowed
		if r := allow(t, m, "k", lim); !r.Allowed {
			t.Fatalf("request %d at the rate refused: %+v", i, r)
		}
		clk.Advance(10 * time.Millisecond)
	}
}

func TestGCRAConcurrentBurst(t *testing.T) {
	t.Parallel()
	clk := newClock()
	m := NewMemory(MemoryOptions{Now: clk.Now})
	lim := Limit{Rate: 50, Period: time.Minute, Burst: 50}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for range 20 {
				if r, _ := m.Allow(t.Context(), "k", lim); r.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 50 {
		t.Fatalf("400 concurrent requests, %d allowed, want exactly the burst of 50", allowed.Load())
	}
}

func TestMemoryIsBounded(t *testing.T) {
	t.Parallel()
	clk := newClock()
	m := NewMemory(MemoryOptions{MaxKeys: 256, Now: clk.Now})
	lim := Limit{Rate: 10, Period: time.Minute, Burst: 10}
	for i := range 100_000 {
		allow(t, m, fmt.Sprintf("flood-%d", i), lim)
	}
	if n := m.Len(); n > 256 {
		t.Fatalf("%d keys held after 100,000 distinct keys, want at most 256", n)
	}
}

func TestMemoryEvictsIdleKeysFirst(t *testing.T) {
	t.Parallel()
	clk := newClock()
	m := NewMemory(MemoryOptions{MaxKeys: 16, Now: clk.Now}) // one shard of 16
	lim := Limit{Rate: 10, Period: time.Minute, Burst: 10}
	for range 10 { // the attacker's own key: budget spent, remembered for a minute
		allow(t, m, "hot", lim)
	}
	for i := range 10_000 { // a flood of fresh keys, each used once
		allow(t, m, fmt.Sprintf("flood-%d", i), lim)
	}
	if r := allow(t, m, "hot", lim); r.Allowed {
		t.Fatalf("the spent key was evicted by a flood of fresh keys: %+v", r)
	}
	clk.Advance(2 * time.Minute) // everything is idle now; the next call sweeps
	allow(t, m, "new", lim)
	if n := m.Len(); n != 1 {
		t.Fatalf("%d keys held after all went idle, want 1", n)
	}
}

func TestLimitValidate(t *testing.T) {
	t.Parallel()
	m := NewMemory(MemoryOptions{})
	for _, l := range []Limit{{}, {Rate: 1, Period: time.Second}, {Rate: 0, Period: time.Second, Burst: 1}, {Rate: 10, Period: time.Nanosecond, Burst: 1}} {
		if _, err := m.Allow(t.Context(), "k", l); err == nil {
			t.Errorf("limit %+v accepted", l)
		}
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	m := NewMemory(MemoryOptions{})
	lim := Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("principal:user:%d", i)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, _ = m.Allow(b.Context(), keys[i%len(keys)], lim)
			i++
		}
	})
}
