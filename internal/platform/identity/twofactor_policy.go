package identity

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TwoFactorRequiredType is the problem type of a tenant operation refused because the tenant
// requires a second factor of its admins and owners and the caller has none: enrol first.
const TwoFactorRequiredType = "urn:tenantry:problem:two-factor-enrolment-required"

// errTwoFactorRequired is that refusal, a 403.
var errTwoFactorRequired = &httpapi.Problem{
	Type: TwoFactorRequiredType, Title: http.StatusText(http.StatusForbidden), Status: http.StatusForbidden,
	Kind:   errs.Forbidden.String(),
	Detail: "this tenant requires admins and owners to use a second factor: enrol one (POST /api/v1/me/two-factor/totp) first",
}

// flagState is a cached yes/no about a member and when it was read.
type flagState struct {
	yes  bool
	read time.Time
}

// TwoFactorAdmission is the httpapi.Admission that enforces a tenant's second-factor requirement:
// when the tenant requires it, a signed-in admin or owner without an enabled second factor gets
// errTwoFactorRequired on every tenant and owner-only operation. Authenticated operations (/me, the
// enrolment itself, switching tenant) and public ones (refresh, logout) stay open, and API keys and
// staff grants are not users, so they are not concerned. The answer is cached per member with the
// sessions (sessions.go) and dropped by the same notifications.
func (s *Service) TwoFactorAdmission(ctx huma.Context, next func(huma.Context)) error {
	a, ok := httpapi.AccessOf(ctx.Operation())
	if !ok || (a.Class != httpapi.Tenant && a.Class != httpapi.OwnerOnly) {
		next(ctx)
		return nil
	}
	sc, err := tenancy.FromContext(ctx.Context())
	if err != nil { // cannot be: the access check scoped every tenant operation
		return err
	}
	if sc.Principal.Kind != tenancy.PrincipalUser || !sc.Role.AtLeast(tenancy.RoleAdmin) {
		next(ctx)
		return nil
	}
	missing, err := s.missingSecondFactor(ctx.Context(), sc.Tenant, sc.Principal.UserID)
	if err != nil {
		return err
	}
	if missing {
		return errTwoFactorRequired
	}
	next(ctx)
	return nil
}

// missingSecondFactor reports whether tenant requires a second factor of its admins and owners and
// user has none enabled: from the cache, else from the database.
func (s *Service) missingSecondFactor(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID) (bool, error) {
	m := member{tenant, user}
	c := s.sessions
	c.mu.Lock()
	st, ok := c.missing2FA[m]
	fresh := ok && c.listening && time.Since(st.read) <= sessionFresh
	gen := c.gen
	c.mu.Unlock()
	if fresh {
		return st.yes, nil
	}
	sctx, err := userScope(ctx, tenant, user, tenancy.RoleViewer)
	if err != nil {
		return false, err
	}
	var missing bool
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		missing, err = store.New(q).TwoFactorMissing(sctx, store.TwoFactorMissingParams{TenantID: tenant.UUID(), UserID: user.UUID()})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("identity: second-factor requirement: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listening && gen == c.gen {
		if len(c.missing2FA) >= maxSessions {
			clear(c.missing2FA)
		}
		c.missing2FA[m] = flagState{yes: missing, read: time.Now()}
	}
	return missing, nil
}

// TwoFactorRequired reports whether the scope's tenant requires a second factor of its admins and
// owners.
func (s *Service) TwoFactorRequired(ctx context.Context) (bool, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return false, err
	}
	var required bool
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		required, err = store.New(q).TwoFactorRequired(ctx, sc.Tenant.UUID())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("identity: second-factor requirement: %w", err)
	}
	return required, nil
}

// SetTwoFactorRequired turns the scope's tenant's requirement on or off. Turning it on needs the
// caller to have a second factor enabled (errTwoFactorRequired otherwise), so that no admin locks
// themselves out; every instance then reads the tenant's admins and owners again.
func (s *Service) SetTwoFactorRequired(ctx context.Context, required bool) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	var admins []tenancy.UserID
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if required {
			row, err := st.GetTOTP(ctx, sc.Principal.UserID.UUID())
			if postgres.IsNoRows(err) || (err == nil && row.EnabledAt == nil) {
				return errTwoFactorRequired
			}
			if err != nil {
				return err
			}
		}
		if err := st.SetTwoFactorRequired(ctx, store.SetTwoFactorRequiredParams{TenantID: sc.Tenant.UUID(), Required: required}); err != nil {
			return err
		}
		if err := st.NotifyAdminSessions(ctx, sc.Tenant.UUID()); err != nil {
			return err
		}
		ids, err := st.AdminUsers(ctx, sc.Tenant.UUID())
		if err != nil {
			return err
		}
		for _, id := range ids {
			admins = append(admins, tenancy.UserID(id))
		}
		return audit.Record(ctx, q, audit.Event{Action: "tenant.two_factor_policy", TargetType: "tenant", TargetID: sc.Tenant.String(),
			Details: map[string]any{"require_two_factor": required}})
	})
	if err != nil {
		return fmt.Errorf("identity: set second-factor requirement: %w", err)
	}
	for _, u := range admins {
		s.sessionsChanged(ctx, sc.Tenant, u.UUID())
	}
	return nil
}
