package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// defaultRetryAfter is how long Fallback answers from memory after a store failure before it
// tries the store again.
const defaultRetryAfter = time.Second

// Fallback uses a shared store (Redis) and answers from an in-process limiter while the store
// fails. This is Tenantry's failure mode for the rate limiter: neither open (an outage would lift
// every limit, sign-in guessing included) nor closed (an outage of a cache would take the API
// down), but degraded: each instance keeps enforcing the same limits on its own, so the effective
// limit is at most the number of instances times the configured one until the store is back. The
// first failure is logged as a warning, every failure is counted
// (tenantry_ratelimit_store_errors_total) and tenantry_ratelimit_degraded is 1 meanwhile. After a
// failure the store is left alone for RetryAfter, so an outage adds no latency to each request.
type Fallback struct {
	Store      Limiter
	Local      Limiter
	Log        *slog.Logger     // nil discards
	Metrics    *Metrics         // nil counts nothing
	RetryAfter time.Duration    // default 1s
	Now        func() time.Time // default time.Now

	mu       sync.Mutex
	degraded bool
	retryAt  time.Time
}

// Allow asks the store, or the local limiter while the store is failing. It fails only when
// the local limiter does.
func (f *Fallback) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if f.skipStore() {
		return f.Local.Allow(ctx, key, l)
	}
	res, err := f.Store.Allow(ctx, key, l)
	if err == nil {
		f.recovered(ctx)
		return res, nil
	}
	if ctx.Err() != nil { // the client went away; not the store's fault
		return Result{}, ctx.Err()
	}
	f.failed(ctx, err)
	return f.Local.Allow(ctx, key, l)
}

func (f *Fallback) skipStore() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.degraded && f.now().Before(f.retryAt)
}

func (f *Fallback) failed(ctx context.Context, err error) {
	f.Metrics.storeFailed()
	f.mu.Lock()
	first := !f.degraded
	f.degraded, f.retryAt = true, f.now().Add(f.retryAfter())
	f.mu.Unlock()
	if first {
		f.Metrics.setDegraded(true)
		f.log().WarnContext(ctx, "rate limit: shared store unreachable; limits are kept per instance until it is back", "err", err)
	}
}

func (f *Fallback) recovered(ctx context.Context) {
	f.mu.Lock()
	was := f.degraded
	f.degraded = false
	f.mu.Unlock()
	if was {
		f.Metrics.setDegraded(false)
		f.log().InfoContext(ctx, "rate limit: shared store is back")
	}
}

func (f *Fallback) retryAfter() time.Duration {
	if f.RetryAfter <= 0 {
		return defaultRetryAfter
	}
	return f.RetryAfter
}

func (f *Fallback) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

func (f *Fallback) log() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}
