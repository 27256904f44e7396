package webhooks

import (
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// IsolationSeeds returns one row of every tenant table of this package's migrations for tenant
// (an endpoint and one delivery to it), for the isolation tests (postgres.Seed). The tenant exists
// already (postgres.IsolationSeeds).
func IsolationSeeds(tenant tenancy.TenantID, _ tenancy.UserID) []postgres.Seed {
	endpoint := tenancy.NewID()
	return []postgres.Seed{
		{SQL: `INSERT INTO webhook_endpoints (tenant_id, id, url, event_types, secret_sealed)
			VALUES ($1, $2, 'https://example.com/hook', '{audit.event}', '\x00')`, Args: []any{tenant.UUID(), endpoint}},
		{SQL: `INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, body)
			VALUES ($1, $2, $3, $2, 'audit.event', '{}')`, Args: []any{tenant.UUID(), tenancy.NewID(), endpoint}},
	}
}
