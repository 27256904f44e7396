// Package redislimit is the Redis adapter of package ratelimit: the same GCRA, run by
// github.com/go-redis/redis_rate as one Lua script on the Redis server's clock, so every instance
// that shares the server shares each limit.
package redislimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/tenantry/tenantry/internal/platform/ratelimit"
)

// Client timeouts used when the URL does not set them: a rate-limit check must fail fast, since
// ratelimit.Fallback answers from memory when it fails.
const (
	dialTimeout = 500 * time.Millisecond
	ioTimeout   = 200 * time.Millisecond
)

// KeyPrefix starts every key Tenantry keeps in Redis (redis_rate adds "rate:" before it).
const KeyPrefix = "tenantry:"

// Limiter is a ratelimit.Limiter on Redis.
type Limiter struct {
	rl *redis_rate.Limiter
}

// New returns a limiter on an existing client.
func New(c redis.UniversalClient) *Limiter {
	return &Limiter{rl: redis_rate.NewLimiter(c)}
}

// Open connects (lazily) to the server at url: redis://, rediss:// or unix:///path/to/socket, with
// go-redis's query options (e.g. ?db=2&read_timeout=1s). Timeouts not set in the URL are short.
// Close the client when done.
func Open(url string) (*Limiter, *redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("redislimit: REDIS_URL: %w", err)
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = dialTimeout
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = ioTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = ioTimeout
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = ioTimeout
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	opt.MaxRetries = -1 // no retries: the fallback answers at once
	c := redis.NewClient(opt)
	return New(c), c, nil
}

// Allow counts one request for key under l, on the Redis server.
func (l *Limiter) Allow(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Result, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.Result{}, err
	}
	r, err := l.rl.Allow(ctx, KeyPrefix+key, redis_rate.Limit{Rate: limit.Rate, Period: limit.Period, Burst: limit.Burst})
	if err != nil {
		return ratelimit.Result{}, fmt.Errorf("redislimit: allow: %w", err)
	}
	res := ratelimit.Result{Allowed: r.Allowed > 0, Limit: limit, Remaining: r.Remaining, ResetAfter: max(r.ResetAfter, 0)}
	if !res.Allowed {
		res.RetryAfter = max(r.RetryAfter, 0)
	}
	return res, nil
}
