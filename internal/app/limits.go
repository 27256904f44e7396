package app

import (
	"context"
	"log/slog"

	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/platform/ratelimit/redislimit"
	"github.com/tenantry/tenantry/internal/postgres"
)

// rateLimits is the wired rate limiter: the service whose Middleware the HTTP layer runs, its metrics, and a
// background function that closes the Redis client when the server stops (nil without Redis).
type rateLimits struct {
	service *ratelimit.Service
	metrics *ratelimit.Metrics
	closer  func(context.Context)
}

// newRateLimits keeps budgets in memory, or in Redis when REDIS_URL is set (falling back to
// memory while Redis fails); tenant overrides come from tenants.settings, blocks go to the audit log.
func newRateLimits(cfg Config, db *postgres.DB, log *slog.Logger) (rateLimits, error) {
	m := ratelimit.NewMetrics()
	var limiter ratelimit.Limiter = ratelimit.NewMemory(ratelimit.MemoryOptions{})
	var closer func(context.Context)
	if cfg.RedisURL != "" {
		store, client, err := redislimit.Open(cfg.RedisURL)
		if err != nil {
			return rateLimits{}, err
		}
		limiter = &ratelimit.Fallback{Store: store, Local: limiter, Log: log, Metrics: m}
		closer = func(ctx context.Context) {
			<-ctx.Done()
			_ = client.Close()
		}
	}
	svc, err := ratelimit.New(ratelimit.Config{
		Limiter: limiter, Limits: cfg.RateLimits, Metrics: m, Log: log,
		Overrides: &ratelimit.Cached{Source: ratelimit.Settings{DB: db, Log: log}},
		Blocks:    ratelimit.AuditLog{DB: db},
	})
	if err != nil {
		return rateLimits{}, err
	}
	return rateLimits{service: svc, metrics: m, closer: closer}, nil
}
