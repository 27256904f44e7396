package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Space is a parking bay with its facts and its derived availability state.
type Space struct {
	ID          string                    `json:"id" format:"uuid"`
	SiteID      string                    `json:"site_id" format:"uuid"`
	SiteName    string                    `json:"site_name"`
	TenantName  string                    `json:"tenant_name"`
	Code        string                    `json:"code" example:"A-017"`
	Name        string                    `json:"name"`
	Building    string                    `json:"building"`
	Floor       string                    `json:"floor"`
	Zone        string                    `json:"zone"`
	Latitude    *float64                  `json:"latitude"`
	Longitude   *float64                  `json:"longitude"`
	State       State                     `json:"state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE" doc:"Derived: override > occupied > reserved > free"`
	Occupancy   string                    `json:"occupancy" enum:"unknown,vacant,occupied" doc:"The sensor's last report"`
	OccupancyAt *time.Time                `json:"occupancy_at"`
	Override    *ActiveOverride           `json:"override" doc:"The administrative override in force now, if any"`
	Reservation *ActiveReservationSummary `json:"reservation" doc:"The reservation covering now, if any"`
	CreatedAt   time.Time                 `json:"created_at"`
	UpdatedAt   time.Time                 `json:"updated_at"`
	DeletedAt   *time.Time                `json:"deleted_at,omitempty"`
}

// ActiveOverride is the override in force on a space.
type ActiveOverride struct {
	ID     string     `json:"id" format:"uuid"`
	Kind   string     `json:"kind" enum:"maintenance,blocked"`
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until" doc:"End of the window; null: until cleared"`
}

// ActiveReservationSummary is the reservation covering now.
type ActiveReservationSummary struct {
	ID    string     `json:"id" format:"uuid"`
	Until *time.Time `json:"until"`
}

func spaceOf(r store.GetSpaceRow) Space {
	sp := spaceFields(&r)
	sp.ID, sp.SiteID = r.ID.String(), r.SiteID.String()
	if r.OverrideID.Valid {
		sp.Override = &ActiveOverride{ID: r.OverrideID.UUID.String(), Kind: deref(r.OverrideKind), Reason: deref(r.OverrideReason), Until: r.OverrideUntil}
	}
	if r.ReservationID.Valid {
		sp.Reservation = &ActiveReservationSummary{ID: r.ReservationID.UUID.String(), Until: r.ReservedUntil}
	}
	return sp
}

// spaceFields is the space of r but for its ids.
func spaceFields(r *store.GetSpaceRow) Space {
	return Space{SiteName: r.SiteName, TenantName: r.TenantName, Code: r.Code,
		Name: r.Name, Building: r.Building, Floor: r.Floor, Zone: r.Zone, Latitude: r.Latitude, Longitude: r.Longitude,
		State: State(r.State), Occupancy: r.Occupancy, OccupancyAt: r.OccupancyAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DeletedAt: r.DeletedAt}
}

// SpaceFields are the writable fields of a space; nil means "not given".
type SpaceFields struct {
	SiteID                            uuid.UUID // create only
	Code, Name, Building, Floor, Zone *string
	Latitude, Longitude               *float64
	SetLocation                       bool // PATCH: the location is part of the change
}

func (f *SpaceFields) validate() error {
	f.Code, f.Name, f.Building, f.Floor, f.Zone = trimmed(f.Code), trimmed(f.Name), trimmed(f.Building), trimmed(f.Floor), trimmed(f.Zone)
	if err := required("body.code", f.Code); err != nil {
		return err
	}
	return checkLocation(f.Latitude, f.Longitude)
}

// spaceConflict names the only unique rule a space has, without echoing the code.
func spaceConflict(err error) error {
	if errs.Is(err, errs.Conflict) && postgres.IsCode(err, "23505") {
		return errs.Wrap(errs.Conflict, "a live space with this code already exists on the site", err)
	}
	return err
}

// CreateSpace creates a space on a live site of the tenant (another tenant's site is NotFound).
func (s *Service) CreateSpace(ctx context.Context, f SpaceFields) (Space, error) {
	if f.Code == nil {
		return Space{}, errs.Invalidf("body.code", "required")
	}
	if err := f.validate(); err != nil {
		return Space{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Space{}, err
	}
	id := tenancy.NewID()
	var out Space
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockLiveSite(ctx, st, tenant, f.SiteID); err != nil {
			return err
		}
		err := st.InsertSpace(ctx, store.InsertSpaceParams{TenantID: tenant, ID: id, SiteID: f.SiteID, Code: *f.Code, Name: deref(f.Name),
			Building: deref(f.Building), Floor: deref(f.Floor), Zone: deref(f.Zone), Latitude: f.Latitude, Longitude: f.Longitude})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "space.create", "space", id, map[string]any{"site_id": f.SiteID.String()}); err != nil {
			return err
		}
		out, err = getSpace(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Space{}, fmt.Errorf("parking: create space: %w", spaceConflict(err))
	}
	return out, nil
}

// GetSpace returns a space, live or deleted, with its derived state.
func (s *Service) GetSpace(ctx context.Context, id uuid.UUID) (Space, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Space, error) {
		return getSpace(ctx, store.New(q), tenant, id)
	})
	if err != nil {
		return Space{}, fmt.Errorf("parking: get space: %w", err)
	}
	return out, nil
}

func getSpace(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (Space, error) {
	r, err := postgres.One(st.GetSpace(ctx, store.GetSpaceParams{TenantID: tenant, ID: id}))
	if err != nil {
		return Space{}, err
	}
	return spaceOf(r), nil
}

// SpaceFilter selects spaces for ListSpaces; empty fields do not filter.
type SpaceFilter struct {
	SiteID                       uuid.NullUUID
	Building, Floor, Zone, Query string
	State                        State
	IncludeDeleted               bool
}

// spaceKey is the sort key of the spaces list, carried in its cursor.
type spaceKey struct {
	Code string    `json:"c"`
	ID   uuid.UUID `json:"i"`
}

// ListSpaces lists the tenant's spaces by code.
func (s *Service) ListSpaces(ctx context.Context, f SpaceFilter, size int, after *spaceKey) ([]Space, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if f == (SpaceFilter{}) {
		return s.listLiveSpaces(ctx, tenant, size, after)
	}
	p := store.ListSpacesParams{TenantID: tenant, IncludeDeleted: f.IncludeDeleted, SiteID: f.SiteID, Building: nonEmpty(f.Building),
		Floor: nonEmpty(f.Floor), Zone: nonEmpty(f.Zone), State: nonEmpty(string(f.State)), Q: nonEmpty(f.Query), Lim: int32(size + 1)}
	if after != nil {
		p.AfterCode, p.AfterID = &after.Code, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Space
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListSpaces(ctx, p)
		out = spacesOf(rows, func(r *store.ListSpacesRow) *store.GetSpaceRow { return (*store.GetSpaceRow)(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list spaces: %w", err)
	}
	return out, nil
}

// listLiveSpaces is ListSpaces without filters, on its own statement (see ListLiveSpaces in
// queries/spaces.sql): its cached plan stops after the page, whatever the tenant's size.
func (s *Service) listLiveSpaces(ctx context.Context, tenant uuid.UUID, size int, after *spaceKey) ([]Space, error) {
	p := store.ListLiveSpacesParams{TenantID: tenant, Lim: int32(size + 1)} // after ('', nil uuid): from the first code
	if after != nil {
		p.AfterCode, p.AfterID = after.Code, after.ID
	}
	var out []Space
	err := s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListLiveSpaces(ctx, p)
		out = spacesOf(rows, func(r *store.ListLiveSpacesRow) *store.GetSpaceRow { return (*store.GetSpaceRow)(r) })
		return err
	})
	return out, err
}

// UpdateSpace changes the given fields of a live space.
func (s *Service) UpdateSpace(ctx context.Context, id uuid.UUID, f SpaceFields) (Space, error) {
	if err := f.validate(); err != nil {
		return Space{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Space{}, err
	}
	var out Space
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := lockLiveSpace(ctx, st, tenant, id); err != nil {
			return err
		}
		err := st.UpdateSpace(ctx, store.UpdateSpaceParams{TenantID: tenant, ID: id, Code: f.Code, Name: f.Name, Building: f.Building,
			Floor: f.Floor, Zone: f.Zone, SetLocation: f.SetLocation, Latitude: f.Latitude, Longitude: f.Longitude})
		if err != nil {
			return err
		}
		fields := changedFields(f.Name, nil, nil, f.SetLocation)
		fields["code"], fields["placement"] = f.Code != nil, f.Building != nil || f.Floor != nil || f.Zone != nil
		if err := record(ctx, q, "space.update", "space", id, fields); err != nil {
			return err
		}
		out, err = getSpace(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Space{}, fmt.Errorf("parking: update space: %w", spaceConflict(err))
	}
	return out, nil
}

// lockLiveSpace locks a live space for the transaction; a deleted or unknown space is NotFound.
func lockLiveSpace(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (store.LockSpaceRow, error) {
	r, err := postgres.One(st.LockSpace(ctx, store.LockSpaceParams{TenantID: tenant, ID: id}))
	if err != nil {
		return r, err
	}
	if r.DeletedAt != nil {
		return r, errs.ErrNotFound
	}
	return r, nil
}
