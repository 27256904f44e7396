package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Registration is a sign-up: a new user and the tenant they will own.
type Registration struct {
	Email, Name, Password string
	TenantName, Slug      string
}

// Registered is the result of a sign-up.
type Registered struct {
	UserID   tenancy.UserID
	TenantID tenancy.TenantID
	Session  Session
}

// TenantCreated is called inside the registration transaction after the tenant, its owner and the
// session exist, so products can create a new tenant's defaults atomically (parking adds a default
// site). An error rolls the whole registration back.
type TenantCreated func(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID) error

// Register creates the user, the tenant and the owner membership in one transaction, with a first
// session. A failure at any step leaves nothing behind. A taken e-mail or slug is a Conflict with
// one generic message that says neither which nor whose.
func (s *Service) Register(ctx context.Context, r Registration, hooks ...TenantCreated) (Registered, error) {
	r.Email, r.Slug = strings.TrimSpace(r.Email), strings.TrimSpace(r.Slug)
	if err := auth.ValidatePassword(r.Password); err != nil {
		return Registered{}, errs.Invalidf("body.user.password", "the password must have 12 to 1024 characters")
	}
	hash, err := s.hasher.Hash(ctx, r.Password)
	if err != nil {
		return Registered{}, fmt.Errorf("identity: register: %w", err)
	}
	out := Registered{UserID: tenancy.UserID(tenancy.NewID()), TenantID: tenancy.TenantID(tenancy.NewID())}
	sctx, err := userScope(ctx, out.TenantID, out.UserID, tenancy.RoleOwner)
	if err != nil {
		return Registered{}, err
	}
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := st.InsertTenant(sctx, store.InsertTenantParams{ID: out.TenantID.UUID(), Name: r.TenantName, Slug: r.Slug}); err != nil {
			return err
		}
		if err := st.InsertUser(sctx, store.InsertUserParams{ID: out.UserID.UUID(), Email: r.Email, Name: r.Name, PasswordHash: hash}); err != nil {
			return err
		}
		err := st.InsertMembership(sctx, store.InsertMembershipParams{TenantID: out.TenantID.UUID(), ID: tenancy.NewID(), UserID: out.UserID.UUID(), Role: string(tenancy.RoleOwner)})
		if err != nil {
			return err
		}
		family := tenancy.NewID()
		if out.Session, err = s.issue(sctx, q, out.TenantID, out.UserID, tenancy.RoleOwner, family, uuid.Nil); err != nil {
			return err
		}
		for _, h := range hooks {
			if err := h(sctx, q, out.TenantID); err != nil {
				return err
			}
		}
		return audit.Record(sctx, q, audit.Event{Action: "auth.register", TargetType: "tenant", TargetID: out.TenantID.String()})
	})
	if errs.Is(err, errs.Conflict) {
		err = errs.Wrap(errs.Conflict, "the e-mail address or the tenant slug is already in use", err)
	}
	if err != nil {
		return Registered{}, fmt.Errorf("identity: register: %w", err)
	}
	return out, nil
}

// User is a user's public profile.
type User struct {
	ID    tenancy.UserID
	Email string
	Name  string
}

// Me returns the calling user's profile.
func (s *Service) Me(ctx context.Context, user tenancy.UserID) (User, error) {
	var u User
	err := s.db.AsUser(ctx, user, func(q postgres.Querier) error {
		row, err := store.New(q).GetUser(ctx, user.UUID())
		if err != nil {
			return err
		}
		u = User{ID: tenancy.UserID(row.ID), Email: row.Email, Name: row.Name}
		return nil
	})
	if err != nil {
		return User{}, fmt.Errorf("identity: me: %w", err)
	}
	return u, nil
}
