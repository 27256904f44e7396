package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// DeleteSite soft-deletes a site. While the site has live spaces this is a Conflict, unless force:
// then its spaces are deleted with it (their devices unassigned, their open reservations
// cancelled), so no live space is ever left on a deleted site. Deleting a deleted site does nothing.
func (s *Service) DeleteSite(ctx context.Context, id uuid.UUID, force bool) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		deleted, err := postgres.One(st.LockSite(ctx, store.LockSiteParams{TenantID: tenant, ID: id}))
		if err != nil || deleted != nil {
			return err
		}
		spaces, err := st.LiveSpaceIDsOfSite(ctx, store.LiveSpaceIDsOfSiteParams{TenantID: tenant, SiteID: id})
		if err != nil {
			return err
		}
		if len(spaces) > 0 && !force {
			return errs.E(errs.Conflict, "the site still has live spaces: delete them first, or delete with force=true")
		}
		if err := retireSpaces(ctx, q, tenant, spaces, "site deleted"); err != nil {
			return err
		}
		now := time.Now()
		if err := st.SetSiteDeleted(ctx, store.SetSiteDeletedParams{TenantID: tenant, ID: id, DeletedAt: &now}); err != nil {
			return err
		}
		return record(ctx, q, "site.delete", "site", id, map[string]any{"force": force, "spaces_deleted": len(spaces)})
	})
	if err != nil {
		return fmt.Errorf("parking: delete site: %w", err)
	}
	return nil
}

// retireSpaces soft-deletes spaces: their devices become inactive and unassigned, their open
// reservations are cancelled with reason.
func retireSpaces(ctx context.Context, q postgres.Querier, tenant uuid.UUID, spaces []uuid.UUID, reason string) error {
	if len(spaces) == 0 {
		return nil
	}
	st := store.New(q)
	devices, err := st.UnassignDevicesOfSpaces(ctx, store.UnassignDevicesOfSpacesParams{TenantID: tenant, SpaceIds: spaces})
	if err != nil {
		return err
	}
	cancelled, err := st.CancelOpenReservationsOfSpaces(ctx, store.CancelOpenReservationsOfSpacesParams{TenantID: tenant, SpaceIds: spaces, Reason: reason})
	if err != nil {
		return err
	}
	now := time.Now()
	if err := st.SetSpacesDeleted(ctx, store.SetSpacesDeletedParams{TenantID: tenant, Ids: spaces, DeletedAt: &now}); err != nil {
		return err
	}
	for _, sp := range spaces {
		if err := record(ctx, q, "space.delete", "space", sp, map[string]any{"reason": reason}); err != nil {
			return err
		}
	}
	for _, d := range devices {
		if err := record(ctx, q, "device.unassign", "device", d, map[string]any{"reason": reason}); err != nil {
			return err
		}
	}
	for _, r := range cancelled {
		if err := record(ctx, q, "reservation.cancel", "reservation", r, map[string]any{"reason": reason}); err != nil {
			return err
		}
	}
	return nil
}

// RestoreSite brings a deleted site back (its spaces stay deleted; restore them one by one). A
// live site with the same name is a Conflict.
func (s *Service) RestoreSite(ctx context.Context, id uuid.UUID) (Site, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Site{}, err
	}
	var out Site
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		deleted, err := postgres.One(st.LockSite(ctx, store.LockSiteParams{TenantID: tenant, ID: id}))
		if err != nil {
			return err
		}
		if deleted != nil {
			if err := st.SetSiteDeleted(ctx, store.SetSiteDeletedParams{TenantID: tenant, ID: id}); err != nil {
				return err
			}
			if err := record(ctx, q, "site.restore", "site", id, nil); err != nil {
				return err
			}
		}
		out, err = getSite(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Site{}, fmt.Errorf("parking: restore site: %w", siteConflict(err))
	}
	return out, nil
}

// Occupancy counts a site's live spaces by derived state.
type Occupancy struct {
	SiteID      string `json:"site_id" format:"uuid"`
	Free        int64  `json:"free"`
	Occupied    int64  `json:"occupied"`
	Reserved    int64  `json:"reserved"`
	Maintenance int64  `json:"maintenance"`
	Total       int64  `json:"total"`
}

// SiteOccupancy returns the occupancy summary of a site.
func (s *Service) SiteOccupancy(ctx context.Context, id uuid.UUID) (Occupancy, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Occupancy{}, err
	}
	out := Occupancy{SiteID: id.String()}
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := getSite(ctx, st, tenant, id); err != nil {
			return err
		}
		rows, err := st.SiteOccupancy(ctx, store.SiteOccupancyParams{TenantID: tenant, SiteID: id})
		for _, r := range rows {
			*out.counter(r.State) += r.Spaces
			out.Total += r.Spaces
		}
		return err
	})
	if err != nil {
		return Occupancy{}, fmt.Errorf("parking: site occupancy: %w", err)
	}
	return out, nil
}

func (o *Occupancy) counter(state string) *int64 {
	switch State(state) {
	case StateOccupied:
		return &o.Occupied
	case StateReserved:
		return &o.Reserved
	case StateMaintenance:
		return &o.Maintenance
	}
	return &o.Free
}
