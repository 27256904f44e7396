package parking

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// DeleteSpace soft-deletes a space: its devices are unassigned. While it has open reservations
// (pending or confirmed, not ended) this is a Conflict, unless force: then they are cancelled.
// Deleting a deleted space does nothing.
func (s *Service) DeleteSpace(ctx context.Context, id uuid.UUID, force bool) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		sp, err := postgres.One(st.LockSpace(ctx, store.LockSpaceParams{TenantID: tenant, ID: id}))
		if err != nil || sp.DeletedAt != nil {
			return err
		}
		open, err := st.OpenReservationCount(ctx, store.OpenReservationCountParams{TenantID: tenant, SpaceID: id})
		if err != nil {
			return err
		}
		if open > 0 && !force {
			return errs.E(errs.Conflict, "the space has open reservations: cancel them first, or delete with force=true")
		}
		return retireSpaces(ctx, q, tenant, []uuid.UUID{id}, "space deleted")
	})
	if err != nil {
		return fmt.Errorf("parking: delete space: %w", err)
	}
	return nil
}

// RestoreSpace brings a deleted space back on its site. A deleted site, or a live space with the
// same code on the site, is a Conflict.
func (s *Service) RestoreSpace(ctx context.Context, id uuid.UUID) (Space, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Space{}, err
	}
	var out Space
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		sp, err := postgres.One(st.LockSpace(ctx, store.LockSpaceParams{TenantID: tenant, ID: id}))
		if err != nil {
			return err
		}
		if sp.DeletedAt != nil {
			if err := restoreSpace(ctx, q, tenant, id, sp.SiteID); err != nil {
				return err
			}
		}
		out, err = getSpace(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Space{}, fmt.Errorf("parking: restore space: %w", spaceConflict(err))
	}
	return out, nil
}

func restoreSpace(ctx context.Context, q postgres.Querier, tenant, id, site uuid.UUID) error {
	st := store.New(q)
	if err := lockLiveSite(ctx, st, tenant, site); err != nil {
		return errs.E(errs.Conflict, "the space's site is deleted: restore the site first")
	}
	if err := st.SetSpacesDeleted(ctx, store.SetSpacesDeletedParams{TenantID: tenant, Ids: []uuid.UUID{id}}); err != nil {
		return err
	}
	return record(ctx, q, "space.restore", "space", id, nil)
}
