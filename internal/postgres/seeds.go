package postgres

import "github.com/tenantry/tenantry/internal/tenancy"

// Seed is one statement with its arguments that writes a row of a tenant: the isolation tests
// seed every tenant table with such rows for two tenants, then check that neither reaches the
// other's. Every package that owns tenant tables provides its seeds through a function
// IsolationSeeds(tenant, user) next to its migrations; internal/app's isolation test runs them
// all, in migration order, inside one transaction scoped to the tenant.
type Seed struct {
	SQL  string
	Args []any
}

// IsolationSeeds returns one row of every table of the core migrations for tenant: the tenant
// itself, user (its owner, a global row), the membership, a refresh token and an audit event.
// They come first: every other package's seeds refer to the tenant and the user.
func IsolationSeeds(tenant tenancy.TenantID, user tenancy.UserID) []Seed {
	t, u := tenant.UUID(), user.UUID()
	return []Seed{
		{`INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, []any{t, "Tenant " + tenant.String(), "t-" + tenant.String()}},
		{`INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'x')`, []any{u, user.String() + "@example.com", "User " + user.String()}},
		{`INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, 'owner')`, []any{t, tenancy.NewID(), u}},
		{`INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, token_hash, expires_at)
			VALUES ($1, $2, $3, $4, sha256('x'), now() + interval '1 day')`, []any{t, tenancy.NewID(), tenancy.NewID(), u}},
		{`INSERT INTO audit_events (tenant_id, id, principal_kind, action, outcome) VALUES ($1, $2, 'user', 'test.seed', 'success')`,
			[]any{t, tenancy.NewID()}},
	}
}
