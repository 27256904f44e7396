package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// errConfirmSlug answers a deletion whose confirmation is not the tenant's slug.
var errConfirmSlug = errs.Invalidf("body.confirm_slug", "repeat the tenant's slug to confirm its deletion")

// DeleteTenant deletes the scope's tenant once confirmSlug repeats its slug: in one transaction
// the tenant's status becomes deleted, every session (refresh-token family) of the tenant is
// revoked, its pending invitations are revoked, and the deletion is recorded in the global
// security log (the tenant's own audit log is purged with the tenant's rows). From the commit on,
// no credential or public token of the tenant resolves to it (docs/access.md, "Deleting a
// tenant"); the rows stay, unreachable, until the verifiable deletion purges them, and the slug
// stays taken. A confirmation that is not the slug is Invalid (body.confirm_slug) and changes
// nothing.
func (s *Service) DeleteTenant(ctx context.Context, confirmSlug string) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	confirmSlug = strings.TrimSpace(confirmSlug)
	if confirmSlug == "" {
		return errConfirmSlug
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		n, err := st.MarkTenantDeleted(ctx, store.MarkTenantDeletedParams{ID: sc.Tenant.UUID(), ConfirmSlug: confirmSlug})
		if err != nil {
			return err
		}
		if n == 0 {
			return errConfirmSlug
		}
		sessions, err := st.RevokeTenantRefreshTokens(ctx, sc.Tenant.UUID())
		if err != nil {
			return err
		}
		invitations, err := st.RevokeTenantInvitations(ctx, sc.Tenant.UUID())
		if err != nil {
			return err
		}
		e := audit.Event{Action: "tenant.delete", TargetType: "tenant", TargetID: sc.Tenant.String(),
			Details: map[string]any{"tenant_id": sc.Tenant.String(), "slug": confirmSlug, "actor_kind": string(sc.Principal.Kind),
				"sessions_revoked": sessions, "invitations_revoked": invitations}}
		return audit.RecordSecurityTx(ctx, q, sc.Principal.UserID, e)
	})
	if err != nil {
		return fmt.Errorf("identity: delete tenant: %w", err)
	}
	s.tenantChanged(ctx, sc.Tenant)
	return nil
}

// DeleteTenantInput confirms the deletion of the current tenant.
type DeleteTenantInput struct {
	Body struct {
		ConfirmSlug string `json:"confirm_slug,omitempty" maxLength:"63" example:"harbour-north" doc:"The tenant's slug, repeated to confirm"`
	}
}

func (s *Service) handleDeleteTenant(ctx context.Context, in *DeleteTenantInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteTenant(ctx, in.Body.ConfirmSlug)
}
