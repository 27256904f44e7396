package parking

import (
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// IsolationSeeds returns one row of every tenant table of the parking migrations for tenant,
// for the isolation tests (postgres.Seed): settings, a site with a space, a sensor on it, an
// override, a reservation, a state change, a reading, an orphan device, an ingest key, display
// settings and a display on the space with its outbox row. The tenant exists already
// (postgres.IsolationSeeds).
func IsolationSeeds(tenant tenancy.TenantID, _ tenancy.UserID) []postgres.Seed {
	t, site, space, device, display := tenant.UUID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID()
	eui := "A0" + uuid.New().String()[:8] + "000000"
	return []postgres.Seed{
		{SQL: `INSERT INTO parking_settings (tenant_id) VALUES ($1)`, Args: []any{t}},
		{SQL: `INSERT INTO sites (tenant_id, id, name) VALUES ($1, $2, 'Main')`, Args: []any{t, site}},
		{SQL: `INSERT INTO spaces (tenant_id, id, site_id, code) VALUES ($1, $2, $3, 'A-1')`, Args: []any{t, space, site}},
		{SQL: `INSERT INTO devices (tenant_id, id, dev_eui, kind, status, space_id) VALUES ($1, $2, upper($3), 'sensor', 'active', $4)`,
			Args: []any{t, device, eui, space}},
		{SQL: `INSERT INTO space_overrides (tenant_id, id, space_id, kind, starts_at) VALUES ($1, $2, $3, 'maintenance', now())`,
			Args: []any{t, tenancy.NewID(), space}},
		{SQL: `INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at)
			VALUES ($1, $2, $3, $4, sha256('r'), 'confirmed', now(), now() + interval '1 hour')`, Args: []any{t, tenancy.NewID(), space, tenancy.NewID()}},
		{SQL: `INSERT INTO space_state_changes (tenant_id, id, space_id, previous_state, new_state, occupancy, source)
			VALUES ($1, $2, $3, 'FREE', 'MAINTENANCE', 'unknown', 'override')`, Args: []any{t, tenancy.NewID(), space}},
		{SQL: `INSERT INTO readings (tenant_id, id, device_id, space_id, event, measured_at) VALUES ($1, $2, $3, $4, 'up', now())`,
			Args: []any{t, tenancy.NewID(), device, space}},
		{SQL: `INSERT INTO orphan_devices (tenant_id, id, dev_eui, last_event) VALUES ($1, $2, 'FFFFFFFFFFFFFFFF', 'up')`, Args: []any{t, tenancy.NewID()}},
		{SQL: `INSERT INTO ingest_dedup (tenant_id, key) VALUES ($1, 'seed')`, Args: []any{t}},
		{SQL: `INSERT INTO display_settings (tenant_id, chirpstack_url, chirpstack_token) VALUES ($1, 'https://chirpstack.example', 'sealed')`, Args: []any{t}},
		{SQL: `INSERT INTO devices (tenant_id, id, dev_eui, kind, status, space_id) VALUES ($1, $2, upper($3), 'display', 'active', $4)`,
			Args: []any{t, display, "D0" + eui[2:], space}},
		{SQL: `INSERT INTO displays (tenant_id, device_id, generation, desired_state, queue_item_id) VALUES ($1, $2, 1, 'FREE', 'seed')`,
			Args: []any{t, display}},
	}
}
