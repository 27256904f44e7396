package ratelimit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// SettingsKey is the key of the tenants.settings object that holds a tenant's overrides: an
// object from policy name to limit, e.g. {"rate_limits": {"tenant": "6000/1m", "principal": "1200/1m:200"}}.
// Only TenantPolicies can be overridden. Tenants must never write this key themselves: it is set
// by the platform (for example by plan).
const SettingsKey = "rate_limits"

// Overrides returns a tenant's limits that differ from the defaults, by policy. An empty map
// means none. ctx carries the scope of the request being admitted.
type Overrides interface {
	Overrides(ctx context.Context, tenant tenancy.TenantID) (map[string]Limit, error)
}

// Settings reads overrides from the tenant's own row (tenants.settings -> rate_limits), with a
// scoped read: it answers only for the tenant of the scope in ctx, and RLS shows it no other row.
type Settings struct {
	DB  *postgres.DB
	Log *slog.Logger // invalid entries are logged here and skipped; nil discards
}

const settingsSQL = `SELECT settings -> 'rate_limits' FROM tenants WHERE id = $1`

// Overrides reads tenant's overrides. It fails with tenancy.ErrNoScope when ctx is not scoped to
// tenant, so no caller can make it read (or a cache remember) another tenant's settings.
func (s Settings) Overrides(ctx context.Context, tenant tenancy.TenantID) (map[string]Limit, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil || sc.Tenant != tenant {
		return nil, fmt.Errorf("ratelimit: overrides: %w", tenancy.ErrNoScope)
	}
	var raw []byte
	err = s.DB.Read(ctx, func(q postgres.Querier) error {
		return q.QueryRow(ctx, settingsSQL, tenant.UUID()).Scan(&raw)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ratelimit: overrides: %w", err)
	}
	return s.parse(ctx, raw), nil
}

// parse reads the rate_limits object, skipping (and logging) what is not a valid override.
func (s Settings) parse(ctx context.Context, raw []byte) map[string]Limit {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var entries map[string]string
	if err := json.Unmarshal(raw, &entries); err != nil {
		log.WarnContext(ctx, "rate limit: tenant settings rate_limits is not an object of strings; ignored", "err", err)
		return nil
	}
	out := map[string]Limit{}
	for name, v := range entries {
		l, err := ParseLimit(v)
		if err != nil || !tenantPolicy(name) {
			log.WarnContext(ctx, "rate limit: tenant override ignored", "policy", name, "err", err)
			continue
		}
		out[name] = l
	}
	return out
}

// Cached keeps each tenant's overrides for a short time, so admitting a request costs no database
// round trip. It holds at most MaxTenants entries. Failed reads are not cached.
type Cached struct {
	Source     Overrides
	TTL        time.Duration    // default 30s: how long a settings change takes to apply
	MaxTenants int              // default 10,000
	Now        func() time.Time // default time.Now

	mu      sync.Mutex
	entries map[tenancy.TenantID]cachedOverrides
}

type cachedOverrides struct {
	limits  map[string]Limit
	expires time.Time
}

// Overrides returns the cached overrides, reading them from Source when missing or stale.
func (c *Cached) Overrides(ctx context.Context, tenant tenancy.TenantID) (map[string]Limit, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[tenant]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.limits, nil
	}
	limits, err := c.Source.Overrides(ctx, tenant)
	if err != nil {
		return nil, err
	}
	c.store(tenant, cachedOverrides{limits: limits, expires: now.Add(c.ttl())}, now)
	return limits, nil
}

func (c *Cached) store(t tenancy.TenantID, e cachedOverrides, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[tenancy.TenantID]cachedOverrides{}
	}
	if _, ok := c.entries[t]; !ok && len(c.entries) >= c.maxTenants() {
		for k, old := range c.entries { // drop the stale entries, or else one arbitrary entry
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.maxTenants() {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[t] = e
}

func (c *Cached) ttl() time.Duration {
	if c.TTL <= 0 {
		return 30 * time.Second
	}
	return c.TTL
}

func (c *Cached) maxTenants() int {
	if c.MaxTenants <= 0 {
		return 10_000
	}
	return c.MaxTenants
}

func (c *Cached) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}
