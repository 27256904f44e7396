package postgres_test

import (
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// parkingSeeds returns one row for every parking table of tenant (internal/products/parking/migrations), for
// the isolation test's world.
func parkingSeeds(tenant tenancy.TenantID) []struct {
	sql  string
	args []any
} {
	t, site, space, device := tenant.UUID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID()
	eui := "A0" + uuid.New().String()[:8] + "000000"
	return []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO parking_settings (tenant_id) VALUES ($1)`, []any{t}},
		{`INSERT INTO sites (tenant_id, id, name) VALUES ($1, $2, 'Main')`, []any{t, site}},
		{`INSERT INTO spaces (tenant_id, id, site_id, code) VALUES ($1, $2, $3, 'A-1')`, []any{t, space, site}},
		{`INSERT INTO devices (tenant_id, id, dev_eui, kind, status, space_id) VALUES ($1, $2, upper($3), 'sensor', 'active', $4)`, []any{t, device, eui, space}},
		{`INSERT INTO space_overrides (tenant_id, id, space_id, kind, starts_at) VALUES ($1, $2, $3, 'maintenance', now())`, []any{t, tenancy.NewID(), space}},
		{`INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at)
			VALUES ($1, $2, $3, $4, sha256('r'), 'confirmed', now(), now() + interval '1 hour')`, []any{t, tenancy.NewID(), space, tenancy.NewID()}},
		{`INSERT INTO space_state_changes (tenant_id, id, space_id, previous_state, new_state, occupancy, source)
			VALUES ($1, $2, $3, 'FREE', 'MAINTENANCE', 'unknown', 'override')`, []any{t, tenancy.NewID(), space}},
		{`INSERT INTO readings (tenant_id, id, device_id, space_id, event, measured_at) VALUES ($1, $2, $3, $4, 'up', now())`,
			[]any{t, tenancy.NewID(), device, space}},
		{`INSERT INTO orphan_devices (tenant_id, id, dev_eui, last_event) VALUES ($1, $2, 'FFFFFFFFFFFFFFFF', 'up')`, []any{t, tenancy.NewID()}},
		{`INSERT INTO ingest_dedup (tenant_id, key) VALUES ($1, 'seed')`, []any{t}},
	}
}
