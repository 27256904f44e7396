package parking

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// SpaceBody is a new space.
type SpaceBody struct {
	SiteID    string   `json:"site_id" format:"uuid"`
	Code      string   `json:"code" minLength:"1" maxLength:"32" example:"A-017" doc:"Unique per site among live spaces"`
	Name      string   `json:"name,omitempty" maxLength:"200"`
	Building  string   `json:"building,omitempty" maxLength:"100"`
	Floor     string   `json:"floor,omitempty" maxLength:"32"`
	Zone      string   `json:"zone,omitempty" maxLength:"64"`
	Latitude  *float64 `json:"latitude,omitempty" minimum:"-90" maximum:"90" doc:"With longitude, or neither"`
	Longitude *float64 `json:"longitude,omitempty" minimum:"-180" maximum:"180"`
}

// CreateSpaceInput creates a space.
type CreateSpaceInput struct {
	Body SpaceBody
}

// SpaceOutput is one space.
type SpaceOutput struct {
	Body Space
}

func (s *Service) handleCreateSpace(ctx context.Context, in *CreateSpaceInput) (*SpaceOutput, error) {
	b := in.Body
	site, err := httpapi.OptionalID("body.site_id", b.SiteID)
	if err != nil {
		return nil, err
	}
	sp, err := s.CreateSpace(ctx, SpaceFields{SiteID: site.UUID, Code: &b.Code, Name: &b.Name, Building: &b.Building, Floor: &b.Floor,
		Zone: &b.Zone, Latitude: b.Latitude, Longitude: b.Longitude})
	return &SpaceOutput{Body: sp}, err
}

func (s *Service) handleGetSpace(ctx context.Context, in *httpapi.IDInput) (*SpaceOutput, error) {
	sp, err := s.GetSpace(ctx, in.ID)
	return &SpaceOutput{Body: sp}, err
}

// ListSpacesInput filters and pages spaces.
type ListSpacesInput struct {
	httpapi.PageInput
	SiteID         string `query:"site_id" format:"uuid"`
	Building       string `query:"building" maxLength:"100"`
	Floor          string `query:"floor" maxLength:"32"`
	Zone           string `query:"zone" maxLength:"64"`
	State          string `query:"state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
	Query          string `query:"q" maxLength:"200" doc:"Part of the code or name, any case"`
	IncludeDeleted bool   `query:"include_deleted" doc:"Include soft-deleted spaces"`
}

// SpacePage is a page of spaces.
type SpacePage struct {
	Body httpapi.Page[Space]
}

func (s *Service) handleListSpaces(ctx context.Context, in *ListSpacesInput) (*SpacePage, error) {
	key := func(x Space) spaceKey { return spaceKey{Code: x.Code, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *spaceKey) ([]Space, error) {
		site, err := httpapi.OptionalID("query.site_id", in.SiteID)
		if err != nil {
			return nil, err
		}
		f := SpaceFilter{SiteID: site, Building: in.Building, Floor: in.Floor, Zone: in.Zone, State: State(in.State), Query: in.Query,
			IncludeDeleted: in.IncludeDeleted}
		return s.ListSpaces(ctx, f, size, after)
	})
	return &SpacePage{Body: page}, err
}

// SpacePatch changes some fields of a space; absent fields stay.
type SpacePatch struct {
	Code      *string                   `json:"code,omitempty" minLength:"1" maxLength:"32"`
	Name      *string                   `json:"name,omitempty" maxLength:"200"`
	Building  *string                   `json:"building,omitempty" maxLength:"100"`
	Floor     *string                   `json:"floor,omitempty" maxLength:"32"`
	Zone      *string                   `json:"zone,omitempty" maxLength:"64"`
	Latitude  httpapi.Optional[float64] `json:"latitude,omitempty" required:"false" doc:"With longitude; both null clear the location"`
	Longitude httpapi.Optional[float64] `json:"longitude,omitempty" required:"false"`
}

// UpdateSpaceInput changes a space.
type UpdateSpaceInput struct {
	httpapi.IDInput
	Body SpacePatch
}

func (s *Service) handleUpdateSpace(ctx context.Context, in *UpdateSpaceInput) (*SpaceOutput, error) {
	b := in.Body
	sp, err := s.UpdateSpace(ctx, in.ID, SpaceFields{Code: b.Code, Name: b.Name, Building: b.Building, Floor: b.Floor, Zone: b.Zone,
		SetLocation: b.Latitude.Set || b.Longitude.Set, Latitude: b.Latitude.Ptr(), Longitude: b.Longitude.Ptr()})
	return &SpaceOutput{Body: sp}, err
}

func (s *Service) handleDeleteSpace(ctx context.Context, in *DeleteInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteSpace(ctx, in.ID, in.Force)
}

func (s *Service) handleRestoreSpace(ctx context.Context, in *httpapi.IDInput) (*SpaceOutput, error) {
	sp, err := s.RestoreSpace(ctx, in.ID)
	return &SpaceOutput{Body: sp}, err
}

// OverrideInput puts a space under an override.
type OverrideInput struct {
	httpapi.IDInput
	Body struct {
		Kind     string     `json:"kind" enum:"maintenance,blocked" doc:"maintenance: operators and up; blocked: admins"`
		Reason   string     `json:"reason,omitempty" maxLength:"500"`
		StartsAt *time.Time `json:"starts_at,omitempty" doc:"Default: now"`
		EndsAt   *time.Time `json:"ends_at,omitempty" doc:"Default: until cleared"`
	}
}

func (s *Service) handleSetOverride(ctx context.Context, in *OverrideInput) (*SpaceOutput, error) {
	b := in.Body
	sp, err := s.SetOverride(ctx, in.ID, OverrideRequest{Kind: b.Kind, Reason: b.Reason, StartsAt: b.StartsAt, EndsAt: b.EndsAt})
	return &SpaceOutput{Body: sp}, err
}

func (s *Service) handleClearOverride(ctx context.Context, in *httpapi.IDInput) (*SpaceOutput, error) {
	sp, err := s.ClearOverride(ctx, in.ID)
	return &SpaceOutput{Body: sp}, err
}

// HistoryInput pages one space's history.
type HistoryInput struct {
	httpapi.IDInput
	httpapi.WindowInput
	httpapi.PageInput
}

// StateChangePage is a page of state changes.
type StateChangePage struct {
	Body httpapi.Page[StateChange]
}

func (s *Service) handleSpaceHistory(ctx context.Context, in *HistoryInput) (*StateChangePage, error) {
	return s.history(ctx, uuid.NullUUID{UUID: in.ID, Valid: true}, true, in.WindowInput, in.PageInput)
}

func (s *Service) history(ctx context.Context, space uuid.NullUUID, mustExist bool, win httpapi.WindowInput,
	p httpapi.PageInput) (*StateChangePage, error) {
	w, err := win.Window()
	if err != nil {
		return nil, err
	}
	key := func(x StateChange) timeKey { return timeKey{At: x.OccurredAt, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(p, key, func(size int, after *timeKey) ([]StateChange, error) {
		return s.History(ctx, space, mustExist, w, size, after)
	})
	return &StateChangePage{Body: page}, err
}

// AvailabilityInput asks for a space's availability in a window.
type AvailabilityInput struct {
	httpapi.IDInput
	From time.Time `query:"from" required:"true" doc:"Start of the window (RFC 3339)"`
	To   time.Time `query:"to" required:"true" doc:"End of the window, exclusive; at most 31 days after from"`
}

// AvailabilityOutput is a space's availability.
type AvailabilityOutput struct {
	Body Availability
}

func (s *Service) handleAvailability(ctx context.Context, in *AvailabilityInput) (*AvailabilityOutput, error) {
	a, err := s.SpaceAvailability(ctx, in.ID, in.From, in.To)
	return &AvailabilityOutput{Body: a}, err
}
