package identity

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

var userByEmail = postgres.Register(postgres.CrossTenant{
	Name: "identity.user_by_email",
	Why:  "sign-in finds the user by e-mail before any tenant is known",
	SQL:  `SELECT id, password_hash, status, email_verified_at IS NOT NULL FROM users WHERE lower(email) = lower($1)`,
	Reads: map[string][]string{
		"users": {"id", "email", "password_hash", "status", "email_verified_at"},
	},
})

var membershipsOfUser = postgres.Register(postgres.CrossTenant{
	Name: "identity.memberships_of_user",
	Why:  "sign-in, /me and tenant switching list the tenants one user belongs to (a deleted tenant is no longer one)",
	SQL: `SELECT m.tenant_id, m.role, t.name, t.slug, t.status
FROM memberships m JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = $1 AND t.status <> 'deleted' ORDER BY t.name, t.id LIMIT 1000`,
	Reads: map[string][]string{
		"memberships": {"tenant_id", "user_id", "role"},
		"tenants":     {"id", "name", "slug", "status"},
	},
})

// Membership is one tenant a user belongs to, with the user's role there.
type Membership struct {
	TenantID tenancy.TenantID
	Name     string
	Slug     string
	Status   string
	Role     tenancy.Role
}

// credentials are what sign-in needs of a user.
type credentials struct {
	id     tenancy.UserID
	hash   string
	status string
	// verified: the address was verified (a registration's link was followed); sign-in refuses
	// unverified addresses like a wrong password.
	verified bool
}

func (s *Service) userByEmail(ctx context.Context, email string) (credentials, error) {
	var c credentials
	var id uuid.UUID
	err := s.db.CrossTenantRow(ctx, userByEmail, []any{email}, &id, &c.hash, &c.status, &c.verified)
	c.id = tenancy.UserID(id)
	return c, err
}

// Memberships lists the tenants user belongs to, by tenant name.
func (s *Service) Memberships(ctx context.Context, user tenancy.UserID) ([]Membership, error) {
	rows, err := s.db.CrossTenantQuery(ctx, membershipsOfUser, user.UUID())
	if err != nil {
		return nil, fmt.Errorf("identity: memberships: %w", err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		var tid uuid.UUID
		var role string
		if err := rows.Scan(&tid, &role, &m.Name, &m.Slug, &m.Status); err != nil {
			return nil, fmt.Errorf("identity: memberships: %w", err)
		}
		m.TenantID, m.Role = tenancy.TenantID(tid), tenancy.Role(role)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("identity: memberships: %w", err)
	}
	return out, nil
}
