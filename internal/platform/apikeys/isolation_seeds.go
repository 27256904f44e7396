package apikeys

import (
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// IsolationSeeds returns one row of every tenant table of this package's migrations for tenant
// (a key created by user), for the isolation tests (postgres.Seed). The tenant and the user
// exist already (postgres.IsolationSeeds).
func IsolationSeeds(tenant tenancy.TenantID, user tenancy.UserID) []postgres.Seed {
	return []postgres.Seed{
		{SQL: `INSERT INTO api_keys (tenant_id, id, name, scopes, role_ceiling, created_by, secret_hash)
			VALUES ($1, $2, 'k', '{tenant:read}', 'owner', $3, sha256('x'))`, Args: []any{tenant.UUID(), tenancy.NewID(), user.UUID()}},
	}
}
