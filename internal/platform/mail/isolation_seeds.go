package mail

import (
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// IsolationSeeds returns one row of every tenant table of this package's migrations for tenant
// (a message in the outbox), for the isolation tests (postgres.Seed). The tenant exists already
// (postgres.IsolationSeeds).
func IsolationSeeds(tenant tenancy.TenantID, _ tenancy.UserID) []postgres.Seed {
	return []postgres.Seed{
		{SQL: `INSERT INTO outbox_messages (tenant_id, id, recipient, subject, body) VALUES ($1, $2, 'x@example.com', 's', 'b')`,
			Args: []any{tenant.UUID(), tenancy.NewID()}},
	}
}
