package parking

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
)

// SiteBody is a new site.
type SiteBody struct {
	Name      string   `json:"name" minLength:"1" maxLength:"200" example:"Harbour garage"`
	Timezone  string   `json:"timezone,omitempty" maxLength:"64" example:"Europe/Lisbon" doc:"IANA time zone; default UTC"`
	Address   string   `json:"address,omitempty" maxLength:"500"`
	Latitude  *float64 `json:"latitude,omitempty" minimum:"-90" maximum:"90" doc:"With longitude, or neither"`
	Longitude *float64 `json:"longitude,omitempty" minimum:"-180" maximum:"180"`
}

// CreateSiteInput creates a site.
type CreateSiteInput struct {
	Body SiteBody
}

// SiteOutput is one site.
type SiteOutput struct {
	Body Site
}

func (s *Service) handleCreateSite(ctx context.Context, in *CreateSiteInput) (*SiteOutput, error) {
	b := in.Body
	f := SiteFields{Name: &b.Name, Address: &b.Address, Latitude: b.Latitude, Longitude: b.Longitude}
	if b.Timezone != "" {
		f.Timezone = &b.Timezone
	}
	site, err := s.CreateSite(ctx, f)
	return &SiteOutput{Body: site}, err
}

func (s *Service) handleGetSite(ctx context.Context, in *httpapi.IDInput) (*SiteOutput, error) {
	site, err := s.GetSite(ctx, in.ID)
	return &SiteOutput{Body: site}, err
}

// ListSitesInput filters and pages sites.
type ListSitesInput struct {
	httpapi.PageInput
	Query          string `query:"q" maxLength:"200" doc:"Part of the name, any case"`
	IncludeDeleted bool   `query:"include_deleted" doc:"Include soft-deleted sites"`
}

// SitePage is a page of sites.
type SitePage struct {
	Body httpapi.Page[Site]
}

func (s *Service) handleListSites(ctx context.Context, in *ListSitesInput) (*SitePage, error) {
	key := func(x Site) siteKey { return siteKey{Name: x.Name, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *siteKey) ([]Site, error) {
		return s.ListSites(ctx, SiteFilter{Query: in.Query, IncludeDeleted: in.IncludeDeleted}, size, after)
	})
	return &SitePage{Body: page}, err
}

// SitePatch changes some fields of a site; absent fields stay.
type SitePatch struct {
	Name      *string                   `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Timezone  *string                   `json:"timezone,omitempty" maxLength:"64" doc:"IANA time zone"`
	Address   *string                   `json:"address,omitempty" maxLength:"500"`
	Latitude  httpapi.Optional[float64] `json:"latitude,omitempty" required:"false" doc:"With longitude; both null clear the location"`
	Longitude httpapi.Optional[float64] `json:"longitude,omitempty" required:"false"`
}

// UpdateSiteInput changes a site.
type UpdateSiteInput struct {
	httpapi.IDInput
	Body SitePatch
}

func (s *Service) handleUpdateSite(ctx context.Context, in *UpdateSiteInput) (*SiteOutput, error) {
	b := in.Body
	site, err := s.UpdateSite(ctx, in.ID, SiteFields{Name: b.Name, Timezone: b.Timezone, Address: b.Address,
		SetLocation: b.Latitude.Set || b.Longitude.Set, Latitude: b.Latitude.Ptr(), Longitude: b.Longitude.Ptr()})
	return &SiteOutput{Body: site}, err
}

// DeleteInput deletes an object, optionally with what hangs on it.
type DeleteInput struct {
	httpapi.IDInput
	Force bool `query:"force" doc:"Also delete what depends on it (a site's spaces; a space's open reservations are cancelled)"`
}

func (s *Service) handleDeleteSite(ctx context.Context, in *DeleteInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteSite(ctx, in.ID, in.Force)
}

func (s *Service) handleRestoreSite(ctx context.Context, in *httpapi.IDInput) (*SiteOutput, error) {
	site, err := s.RestoreSite(ctx, in.ID)
	return &SiteOutput{Body: site}, err
}

// OccupancyOutput is a site's occupancy summary.
type OccupancyOutput struct {
	Body Occupancy
}

func (s *Service) handleSiteOccupancy(ctx context.Context, in *httpapi.IDInput) (*OccupancyOutput, error) {
	o, err := s.SiteOccupancy(ctx, in.ID)
	return &OccupancyOutput{Body: o}, err
}

// UtilisationInput asks for a site's hourly utilisation.
type UtilisationInput struct {
	httpapi.IDInput
	From time.Time `query:"from" required:"true" doc:"Start, rounded down to the hour (RFC 3339)"`
	To   time.Time `query:"to" required:"true" doc:"End, rounded down to the hour; at most 31 days after from"`
}

// UtilisationOutput is a site's hourly utilisation.
type UtilisationOutput struct {
	Body Utilisation
}

func (s *Service) handleSiteUtilisation(ctx context.Context, in *UtilisationInput) (*UtilisationOutput, error) {
	if in.From.IsZero() || in.To.IsZero() {
		return nil, errs.Invalidf("query.from", "from and to are required")
	}
	u, err := s.SiteUtilisation(ctx, in.ID, in.From, in.To)
	return &UtilisationOutput{Body: u}, err
}
