package tenancy

import (
	"fmt"

	"github.com/google/uuid"
)

// TenantID identifies a tenant. The zero value is not a valid tenant.
type TenantID uuid.UUID

// UserID identifies a user (a person who may be a member of several tenants).
type UserID uuid.UUID

// NewID returns a new UUIDv7, the form of every id Tenantry makes. It panics only if the system's
// random source fails, which leaves no safe way to continue.
func NewID() uuid.UUID {
	return uuid.Must(uuid.NewV7())
}

// ParseTenantID parses the canonical text form of a tenant id.
func ParseTenantID(s string) (TenantID, error) {
	u, err := uuid.Parse(s)
	if err != nil || u == uuid.Nil {
		return TenantID{}, fmt.Errorf("tenancy: invalid tenant id")
	}
	return TenantID(u), nil
}

// UUID returns the id as a uuid.UUID.
func (t TenantID) UUID() uuid.UUID { return uuid.UUID(t) }

// String returns the canonical text form.
func (t TenantID) String() string { return uuid.UUID(t).String() }

// IsZero reports whether t is the zero (invalid) id.
func (t TenantID) IsZero() bool { return uuid.UUID(t) == uuid.Nil }

// UUID returns the id as a uuid.UUID.
func (u UserID) UUID() uuid.UUID { return uuid.UUID(u) }

// String returns the canonical text form.
func (u UserID) String() string { return uuid.UUID(u).String() }

// IsZero reports whether u is the zero (invalid) id.
func (u UserID) IsZero() bool { return uuid.UUID(u) == uuid.Nil }
