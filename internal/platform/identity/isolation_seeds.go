package identity

import (
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// IsolationSeeds returns one row of every tenant table of this package's migrations for tenant
// (an invitation sent by user, a single sign-on provider and a sign-in in flight, a password-reset token and an address-change token of user), for the isolation tests (postgres.Seed). The tenant and the user
// exist already (postgres.IsolationSeeds).
func IsolationSeeds(tenant tenancy.TenantID, user tenancy.UserID) []postgres.Seed {
	return []postgres.Seed{
		{SQL: `INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at)
			VALUES ($1, $2, 'invitee@example.com', 'viewer', sha256('i'), $3, now() + interval '1 day')`,
			Args: []any{tenant.UUID(), tenancy.NewID(), user.UUID()}},
		{SQL: `INSERT INTO oidc_configs (tenant_id, issuer, client_id, client_secret, allowed_domains)
			VALUES ($1, 'https://login.example.com', 'tenantry', '\x01', '{example.com}')`, Args: []any{tenant.UUID()}},
		{SQL: `INSERT INTO oidc_logins (tenant_id, id, state_hash, nonce, code_verifier, expires_at)
			VALUES ($1, $2, sha256('s'), 'n', 'v', now() + interval '10 minutes')`, Args: []any{tenant.UUID(), tenancy.NewID()}},
		{SQL: `INSERT INTO user_tokens (tenant_id, id, user_id, purpose, token_hash, expires_at)
			VALUES ($1, $2, $3, 'password_reset', sha256('r'), now() + interval '30 minutes')`,
			Args: []any{tenant.UUID(), tenancy.NewID(), user.UUID()}},
		{SQL: `INSERT INTO user_tokens (tenant_id, id, user_id, purpose, token_hash, expires_at, email)
			VALUES ($1, $2, $3, 'email_change', sha256('e'), now() + interval '1 day', 'pending@example.com')`,
			Args: []any{tenant.UUID(), tenancy.NewID(), user.UUID()}},
	}
}
