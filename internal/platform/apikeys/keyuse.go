package apikeys

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/apikeys/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// DefaultUseInterval is how often RecordUses writes the keys' last-use times: a key's
// last_used_at is at most this much behind, and written at most once per interval per instance.
const DefaultUseInterval = time.Minute

// useFlushTimeout bounds the last write of RecordUses, when the service stops.
const useFlushTimeout = 10 * time.Second

// keyUses collects, per tenant and key, the last time a request used the key since the last write.
type keyUses struct {
	mu      sync.Mutex
	pending map[tenancy.TenantID]map[uuid.UUID]time.Time
}

// record notes a use of a key; it costs a map write, no database work.
func (u *keyUses) record(tenant tenancy.TenantID, id uuid.UUID, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.pending == nil {
		u.pending = map[tenancy.TenantID]map[uuid.UUID]time.Time{}
	}
	keys := u.pending[tenant]
	if keys == nil {
		keys = map[uuid.UUID]time.Time{}
		u.pending[tenant] = keys
	}
	keys[id] = at
}

// take returns the uses noted since the last take and starts afresh.
func (u *keyUses) take() map[tenancy.TenantID]map[uuid.UUID]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.pending
	u.pending = nil
	return out
}

// RecordUses writes the keys' last-use times off the requests' path: every interval (0:
// DefaultUseInterval), one statement per tenant whose keys were used, asynchronously committed (a
// last-use time lost in a database crash is harmless), and once more when ctx ends, so that a
// stopping instance loses none. It belongs with the service's background workers; without it
// last_used_at is not written.
func (s *Service) RecordUses(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultUseInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), useFlushTimeout)
			defer cancel()
			s.writeUses(fctx)
			return
		case <-tick.C:
			s.writeUses(ctx)
		}
	}
}

// writeUses writes the uses noted so far, tenant by tenant; a tenant whose write fails is logged
// and skipped (its times are lost, not retried: the next use notes a newer one).
func (s *Service) writeUses(ctx context.Context) {
	for tenant, keys := range s.uses.take() {
		if err := s.writeTenantUses(ctx, tenant, keys); err != nil {
			s.log.WarnContext(ctx, "api key last_used_at not updated", "tenant_id", tenant.String(), "keys", len(keys), "err", err)
		}
	}
}

func (s *Service) writeTenantUses(ctx context.Context, tenant tenancy.TenantID, keys map[uuid.UUID]time.Time) error {
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}, Role: tenancy.RoleViewer})
	if err != nil {
		return err
	}
	p := store.RecordKeyUsesParams{TenantID: tenant.UUID(), Ids: make([]uuid.UUID, 0, len(keys)), UsedAt: make([]time.Time, 0, len(keys))}
	for id, at := range keys {
		p.Ids, p.UsedAt = append(p.Ids, id), append(p.UsedAt, at)
	}
	err = s.db.Tx(postgres.AsyncCommit(sctx), func(q postgres.Querier) error {
		return store.New(q).RecordKeyUses(sctx, p)
	})
	if err != nil {
		return fmt.Errorf("apikeys: record uses: %w", err)
	}
	return nil
}
