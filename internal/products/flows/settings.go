package flows

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// errSettingsRole is the 403 of a caller below admin asking for the flows settings.
var errSettingsRole = errs.E(errs.Forbidden, "your role does not allow this")

// FlowsSettings are a tenant's flows settings.
type FlowsSettings struct {
	AllowPublicShares bool       `json:"allow_public_shares" doc:"Members may create share links that anyone holding the link can open; default false"`
	UpdatedAt         *time.Time `json:"updated_at,omitempty" doc:"Absent while the tenant has the defaults"`
}

// FlowsSettingsChange is a partial change of the settings; nil means "unchanged".
type FlowsSettingsChange struct {
	AllowPublicShares *bool
}

// GetSettings returns the tenant's flows settings (the defaults until an admin changes them).
// Admins and owners only (Forbidden otherwise).
func (s *Service) GetSettings(ctx context.Context) (FlowsSettings, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return FlowsSettings{}, err
	}
	var out FlowsSettings
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = settingsOf(ctx, store.New(q), sc)
		return err
	})
	if err != nil {
		return FlowsSettings{}, fmt.Errorf("flows: get settings: %w", err)
	}
	return out, nil
}

// UpdateSettings applies a change to the tenant's flows settings and returns them, audited as
// flows.settings_update in the same transaction. An empty change is invalid (there is nothing to
// apply, and a success that wrote nothing would read as one that did). Admins and
// owners only (Forbidden otherwise). Turning public shares off leaves existing public links open
// (revoke them one by one); it stops new ones.
func (s *Service) UpdateSettings(ctx context.Context, c FlowsSettingsChange) (FlowsSettings, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return FlowsSettings{}, err
	}
	if c.AllowPublicShares == nil {
		return FlowsSettings{}, errs.Invalidf("body", "name at least one setting to change (allow_public_shares)")
	}
	var out FlowsSettings
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		p := store.UpsertSettingsParams{TenantID: sc.Tenant.UUID(), AllowPublicShares: *c.AllowPublicShares}
		if err := st.UpsertSettings(ctx, p); err != nil {
			return err
		}
		err := audit.Record(ctx, q, audit.Event{Action: "flows.settings_update", TargetType: "tenant", TargetID: sc.Tenant.String(),
			Details: map[string]any{"allow_public_shares": *c.AllowPublicShares}})
		if err != nil {
			return err
		}
		out, err = settingsOf(ctx, st, sc)
		return err
	})
	if err != nil {
		return FlowsSettings{}, fmt.Errorf("flows: update settings: %w", err)
	}
	return out, nil
}

// adminScope returns the request's scope if its role is admin or above.
func adminScope(ctx context.Context) (tenancy.Scope, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return sc, err
	}
	if !sc.Role.AtLeast(tenancy.RoleAdmin) {
		return sc, errSettingsRole
	}
	return sc, nil
}

// settingsOf reads the tenant's settings; no row means the defaults.
func settingsOf(ctx context.Context, st *store.Queries, sc tenancy.Scope) (FlowsSettings, error) {
	r, err := st.GetSettings(ctx, sc.Tenant.UUID())
	if postgres.IsNoRows(err) {
		return FlowsSettings{}, nil
	} else if err != nil {
		return FlowsSettings{}, err
	}
	return FlowsSettings{AllowPublicShares: r.AllowPublicShares, UpdatedAt: &r.UpdatedAt}, nil
}
