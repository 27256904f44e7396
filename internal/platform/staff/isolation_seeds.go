package staff

import (
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// IsolationSeeds returns one row of every tenant table of this package's migrations for tenant
// (a grant to a new staff account, a global row), for the isolation tests (postgres.Seed). The
// tenant exists already (postgres.IsolationSeeds).
func IsolationSeeds(tenant tenancy.TenantID, _ tenancy.UserID) []postgres.Seed {
	staffID := tenancy.NewID()
	return []postgres.Seed{
		{SQL: `INSERT INTO staff_accounts (id, email, name) VALUES ($1, $2, 'Staff')`, Args: []any{staffID, staffID.String() + "@staff.example"}},
		{SQL: `INSERT INTO staff_grants (tenant_id, id, staff_id, reason, ticket, token_hash, expires_at)
			VALUES ($1, $2, $3, 'seeding the isolation test', 'T-1', sha256('g'), now() + interval '30 minutes')`,
			Args: []any{tenant.UUID(), tenancy.NewID(), staffID}},
	}
}
