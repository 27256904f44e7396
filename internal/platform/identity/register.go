package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// Registered is the result of a sign-up: zero when the address had an account (nothing was created,
// and its owner was told by mail).
type Registered struct {
	UserID   tenancy.UserID
	TenantID tenancy.TenantID
}

// TenantCreated is called inside the registration transaction after the tenant and its owner exist,
// so products can create a new tenant's defaults atomically (parking adds a default site). An error
// rolls the whole registration back.
type TenantCreated func(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID) error

// errAddressTaken rolls back a registration whose address has an account.
var errAddressTaken = errors.New("identity: register: address taken")

// Register creates the user (address not yet verified), the tenant and the owner membership in one
// transaction, and mails a verification link (verification.go) that signs the user in. A failure at
// any step leaves nothing behind. A taken slug is a Conflict, whatever the address. An address that
// has an account creates nothing: its owner gets a mail saying someone tried, and the caller gets
// the same nil error as for a new account, so registration does not tell which addresses have one.
func (s *Service) Register(ctx context.Context, r Registration, hooks ...TenantCreated) (Registered, error) {
	r.Email, r.Slug = strings.TrimSpace(r.Email), strings.TrimSpace(r.Slug)
	if err := auth.ValidatePassword(r.Password); err != nil {
		return Registered{}, errs.Invalidf("body.user.password", "the password must have 12 to 1024 characters")
	}
	hash, err := s.hasher.Hash(ctx, r.Password)
	if err != nil {
		return Registered{}, fmt.Errorf("identity: register: %w", err)
	}
	existing, err := s.userByEmail(ctx, r.Email)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Registered{}, fmt.Errorf("identity: register: %w", err)
	}
	taken := err == nil
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
		if taken { // after the slug: a taken slug is a 409 whatever the address
			return errAddressTaken
		}
		if err := st.InsertUnverifiedUser(sctx, store.InsertUnverifiedUserParams{ID: out.UserID.UUID(), Email: r.Email, Name: r.Name, PasswordHash: hash}); err != nil {
			return err
		}
		err := st.InsertMembership(sctx, store.InsertMembershipParams{TenantID: out.TenantID.UUID(), ID: tenancy.NewID(), UserID: out.UserID.UUID(), Role: string(tenancy.RoleOwner)})
		if err != nil {
			return err
		}
		for _, h := range hooks {
			if err := h(sctx, q, out.TenantID); err != nil {
				return err
			}
		}
		if err := s.mailVerification(sctx, q, out.TenantID, out.UserID, r.Email); err != nil {
			return err
		}
		return audit.Record(sctx, q, audit.Event{Action: "auth.register", TargetType: "tenant", TargetID: out.TenantID.String()})
	})
	if errors.Is(err, errAddressTaken) {
		if err := s.registrationAttempted(ctx, existing.id, r.Email); err != nil {
			return Registered{}, fmt.Errorf("identity: register: %w", err)
		}
		return Registered{}, nil
	}
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
