package idempotency

import (
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// IsolationSeeds returns one row of every tenant table of this package's migrations for tenant
// (a stored response of user), for the isolation tests (postgres.Seed).
func IsolationSeeds(tenant tenancy.TenantID, user tenancy.UserID) []postgres.Seed {
	return []postgres.Seed{
		{SQL: `INSERT INTO idempotency_keys (tenant_id, principal, key, operation, fingerprint, status, body)
			VALUES ($1, $2, 'k', 'create-site', sha256('x'), 201, '\x00')`, Args: []any{tenant.UUID(), "user:" + user.String()}},
	}
}
