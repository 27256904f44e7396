package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Site is a car park or garage.
type Site struct {
	ID          string     `json:"id" format:"uuid"`
	Name        string     `json:"name"`
	Timezone    string     `json:"timezone" example:"Europe/Lisbon"`
	Address     string     `json:"address"`
	Latitude    *float64   `json:"latitude"`
	Longitude   *float64   `json:"longitude"`
	SpacesCount int64      `json:"spaces_count" doc:"Live spaces of the site"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
}

// SiteFields are the writable fields of a site; nil means "not given".
type SiteFields struct {
	Name, Timezone, Address *string
	Latitude, Longitude     *float64
	SetLocation             bool // PATCH: the location is part of the change (nil coordinates clear it)
}

func (f *SiteFields) validate(create bool) error {
	f.Name, f.Timezone, f.Address = trimmed(f.Name), trimmed(f.Timezone), trimmed(f.Address)
	if create && f.Timezone == nil {
		utc := "UTC"
		f.Timezone = &utc
	}
	if err := required("body.name", f.Name); err != nil {
		return err
	}
	if f.Timezone != nil {
		if err := httpapi.CheckTimezone("body.timezone", *f.Timezone); err != nil {
			return err
		}
	}
	return checkLocation(f.Latitude, f.Longitude)
}

// CreateSite creates a site. A live site of the tenant with the same name is a Conflict.
func (s *Service) CreateSite(ctx context.Context, f SiteFields) (Site, error) {
	if f.Name == nil {
		return Site{}, errs.Invalidf("body.name", "required")
	}
	if err := f.validate(true); err != nil {
		return Site{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Site{}, err
	}
	id := tenancy.NewID()
	var out Site
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		err := st.InsertSite(ctx, store.InsertSiteParams{TenantID: tenant, ID: id, Name: *f.Name, Timezone: *f.Timezone,
			Address: deref(f.Address), Latitude: f.Latitude, Longitude: f.Longitude})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "site.create", "site", id, map[string]any{"name": *f.Name}); err != nil {
			return err
		}
		out, err = getSite(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Site{}, fmt.Errorf("parking: create site: %w", siteConflict(err))
	}
	return out, nil
}

// siteConflict names the only unique rule a site has, without echoing any value.
func siteConflict(err error) error {
	if errs.Is(err, errs.Conflict) {
		return errs.Wrap(errs.Conflict, "a live site with this name already exists", err)
	}
	return err
}

// GetSite returns a site, live or deleted.
func (s *Service) GetSite(ctx context.Context, id uuid.UUID) (Site, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Site, error) {
		return getSite(ctx, store.New(q), tenant, id)
	})
	if err != nil {
		return Site{}, fmt.Errorf("parking: get site: %w", err)
	}
	return out, nil
}

func getSite(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (Site, error) {
	r, err := postgres.One(st.GetSite(ctx, store.GetSiteParams{TenantID: tenant, ID: id}))
	if err != nil {
		return Site{}, err
	}
	return Site{ID: r.ID.String(), Name: r.Name, Timezone: r.Timezone, Address: r.Address, Latitude: r.Latitude,
		Longitude: r.Longitude, SpacesCount: r.SpacesCount, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DeletedAt: r.DeletedAt}, nil
}

// SiteFilter selects sites for ListSites.
type SiteFilter struct {
	Query          string // part of the name, any case
	IncludeDeleted bool
}

// siteKey is the sort key of the sites list, carried in its cursor.
type siteKey struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// ListSites lists the tenant's sites by name.
func (s *Service) ListSites(ctx context.Context, f SiteFilter, size int, after *siteKey) ([]Site, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListSitesParams{TenantID: tenant, IncludeDeleted: f.IncludeDeleted, Q: nonEmpty(f.Query), Lim: int32(size + 1)}
	if after != nil {
		p.AfterName, p.AfterID = &after.Name, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Site
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListSites(ctx, p)
		for _, r := range rows {
			out = append(out, Site{ID: r.ID.String(), Name: r.Name, Timezone: r.Timezone, Address: r.Address, Latitude: r.Latitude,
				Longitude: r.Longitude, SpacesCount: r.SpacesCount, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DeletedAt: r.DeletedAt})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list sites: %w", err)
	}
	return out, nil
}

// UpdateSite changes the given fields of a live site.
func (s *Service) UpdateSite(ctx context.Context, id uuid.UUID, f SiteFields) (Site, error) {
	if err := f.validate(false); err != nil {
		return Site{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Site{}, err
	}
	var out Site
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockLiveSite(ctx, st, tenant, id); err != nil {
			return err
		}
		err := st.UpdateSite(ctx, store.UpdateSiteParams{TenantID: tenant, ID: id, Name: f.Name, Timezone: f.Timezone,
			Address: f.Address, SetLocation: f.SetLocation, Latitude: f.Latitude, Longitude: f.Longitude})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "site.update", "site", id, changedFields(f.Name, f.Timezone, f.Address, f.SetLocation)); err != nil {
			return err
		}
		out, err = getSite(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Site{}, fmt.Errorf("parking: update site: %w", siteConflict(err))
	}
	return out, nil
}

// lockLiveSite locks a live site for the transaction; a deleted or unknown site is NotFound.
func lockLiveSite(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) error {
	deleted, err := postgres.One(st.LockSite(ctx, store.LockSiteParams{TenantID: tenant, ID: id}))
	if err != nil {
		return err
	}
	if deleted != nil {
		return errs.ErrNotFound
	}
	return nil
}

// changedFields lists, for the audit row, which fields a change touched (never their values).
func changedFields(name, timezone, address *string, location bool) map[string]any {
	var fields []string
	for _, f := range []struct {
		n   string
		set bool
	}{{"name", name != nil}, {"timezone", timezone != nil}, {"address", address != nil}, {"location", location}} {
		if f.set {
			fields = append(fields, f.n)
		}
	}
	return map[string]any{"fields": fields}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
