package postgres_test

import (
	"github.com/tenantry/tenantry/internal/tenancy"
)

// accessSeeds returns one row for every access-control and mail table of tenant (invitations,
// outbox), for the isolation test's world.
func accessSeeds(tenant tenancy.TenantID, user tenancy.UserID) []struct {
	sql  string
	args []any
} {
	t, staffID := tenant.UUID(), tenancy.NewID()
	return []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at)
			VALUES ($1, $2, 'invitee@example.com', 'viewer', sha256('i'), $3, now() + interval '1 day')`, []any{t, tenancy.NewID(), user.UUID()}},
		{`INSERT INTO staff_accounts (id, email, name) VALUES ($1, $2, 'Staff')`, []any{staffID, staffID.String() + "@staff.example"}},
		{`INSERT INTO staff_grants (tenant_id, id, staff_id, reason, ticket, token_hash, expires_at)
			VALUES ($1, $2, $3, 'seeding the isolation test', 'T-1', sha256('g'), now() + interval '30 minutes')`, []any{t, tenancy.NewID(), staffID}},
		{`INSERT INTO outbox_messages (tenant_id, id, recipient, subject, body) VALUES ($1, $2, 'x@example.com', 's', 'b')`, []any{t, tenancy.NewID()}},
	}
}
