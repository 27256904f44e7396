package parking

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Override kinds. Operators may set and clear maintenance; blocking a space is for admins.
const (
	OverrideMaintenance = "maintenance"
	OverrideBlocked     = "blocked"
)

// OverrideRequest puts a space under an administrative override, now or in a window.
type OverrideRequest struct {
	Kind     string
	Reason   string
	StartsAt *time.Time // default now
	EndsAt   *time.Time // nil: until cleared
}

var errOverrideRole = errs.E(errs.Forbidden, "blocking a space, or lifting a block, needs the admin role")

// mayOverride says whether the caller may set or clear an override of kind: operators handle
// maintenance, only admins handle blocks.
func mayOverride(ctx context.Context, kinds ...string) error {
	sc, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(kinds, OverrideBlocked) && !sc.Role.AtLeast(tenancy.RoleAdmin) {
		return errOverrideRole
	}
	return nil
}

func (r *OverrideRequest) validate(now time.Time) error {
	if r.StartsAt == nil {
		r.StartsAt = &now
	}
	if r.EndsAt != nil && !r.EndsAt.After(*r.StartsAt) {
		return errs.Invalidf("body.ends_at", "must be after starts_at")
	}
	if r.EndsAt != nil && !r.EndsAt.After(now) {
		return errs.Invalidf("body.ends_at", "must be in the future")
	}
	return nil
}

// SetOverride replaces the space's current and scheduled overrides with a new one.
func (s *Service) SetOverride(ctx context.Context, space uuid.UUID, r OverrideRequest) (Space, error) {
	if err := r.validate(s.now()); err != nil {
		return Space{}, err
	}
	if err := mayOverride(ctx, r.Kind); err != nil {
		return Space{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Space{}, err
	}
	var out Space
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockOverrides(ctx, st, tenant, space); err != nil {
			return err
		}
		id := tenancy.NewID()
		_, err := transition(ctx, q, tenant, space, sourceOverride, r.Kind+" set", func() error {
			if _, err := st.ClearOverrides(ctx, store.ClearOverridesParams{TenantID: tenant, SpaceID: space}); err != nil {
				return err
			}
			return st.InsertOverride(ctx, store.InsertOverrideParams{TenantID: tenant, ID: id, SpaceID: space, Kind: r.Kind,
				Reason: r.Reason, StartsAt: *r.StartsAt, EndsAt: r.EndsAt, CreatedBy: actor(ctx)})
		})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "space.override_set", "space", space, map[string]any{"override_id": id.String(), "kind": r.Kind}); err != nil {
			return err
		}
		out, err = getSpace(ctx, st, tenant, space)
		return err
	})
	if err != nil {
		return Space{}, fmt.Errorf("parking: set override: %w", err)
	}
	return out, nil
}

// lockOverrides locks a live space and checks that the caller may replace its overrides.
func lockOverrides(ctx context.Context, st *store.Queries, tenant, space uuid.UUID) error {
	if _, err := lockLiveSpace(ctx, st, tenant, space); err != nil {
		return err
	}
	kinds, err := st.PendingOverrideKinds(ctx, store.PendingOverrideKindsParams{TenantID: tenant, SpaceID: space})
	if err != nil {
		return err
	}
	return mayOverride(ctx, kinds...)
}

// ClearOverride lifts the space's current and scheduled overrides. A space without one is unchanged.
func (s *Service) ClearOverride(ctx context.Context, space uuid.UUID) (Space, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Space{}, err
	}
	var out Space
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockOverrides(ctx, st, tenant, space); err != nil {
			return err
		}
		var n int64
		_, err := transition(ctx, q, tenant, space, sourceOverride, "override cleared", func() (err error) {
			n, err = st.ClearOverrides(ctx, store.ClearOverridesParams{TenantID: tenant, SpaceID: space})
			return err
		})
		if err != nil {
			return err
		}
		if n > 0 {
			if err := record(ctx, q, "space.override_clear", "space", space, map[string]any{"cleared": n}); err != nil {
				return err
			}
		}
		out, err = getSpace(ctx, st, tenant, space)
		return err
	})
	if err != nil {
		return Space{}, fmt.Errorf("parking: clear override: %w", err)
	}
	return out, nil
}
