package parking

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// DisplayPolicyOutput is the tenant's display policy.
type DisplayPolicyOutput struct {
	Body DisplayPolicy
}

func (s *Service) handleGetDisplayPolicy(ctx context.Context, _ *struct{}) (*DisplayPolicyOutput, error) {
	p, err := s.GetDisplayPolicy(ctx)
	return &DisplayPolicyOutput{Body: p}, err
}

// UpdateDisplayPolicyInput replaces the display policy.
type UpdateDisplayPolicyInput struct {
	Body struct {
		ColourFree          string `json:"colour_free" pattern:"^#[0-9A-Fa-f]{6}$" example:"#00C800"`
		ColourOccupied      string `json:"colour_occupied" pattern:"^#[0-9A-Fa-f]{6}$" example:"#FF0000"`
		ColourReserved      string `json:"colour_reserved" pattern:"^#[0-9A-Fa-f]{6}$" example:"#0050FF"`
		ColourMaintenance   string `json:"colour_maintenance" pattern:"^#[0-9A-Fa-f]{6}$" example:"#FFA000"`
		ReservedSoonMinutes int32  `json:"reserved_soon_minutes" minimum:"0" maximum:"1440"`
		QuietStart          string `json:"quiet_start,omitempty" maxLength:"5" doc:"HH:MM in the site's timezone; with quiet_end, or neither"`
		QuietEnd            string `json:"quiet_end,omitempty" maxLength:"5" doc:"HH:MM in the site's timezone"`
		QuietBrightness     *int32 `json:"quiet_brightness,omitempty" minimum:"0" maximum:"100" doc:"Default 20"`
	}
}

func (s *Service) handleUpdateDisplayPolicy(ctx context.Context, in *UpdateDisplayPolicyInput) (*DisplayPolicyOutput, error) {
	b := in.Body
	p, err := s.UpdateDisplayPolicy(ctx, DisplayPolicy{ColourFree: b.ColourFree, ColourOccupied: b.ColourOccupied, ColourReserved: b.ColourReserved,
		ColourMaintenance: b.ColourMaintenance, ReservedSoonMinutes: b.ReservedSoonMinutes, QuietStart: b.QuietStart, QuietEnd: b.QuietEnd,
		QuietBrightness: derefOr(b.QuietBrightness, DefaultDisplayPolicy().QuietBrightness)})
	return &DisplayPolicyOutput{Body: p}, err
}

// ChirpStackOutput is the tenant's ChirpStack settings, without the token.
type ChirpStackOutput struct {
	Body ChirpStackSettings
}

func (s *Service) handleGetChirpStack(ctx context.Context, _ *struct{}) (*ChirpStackOutput, error) {
	c, err := s.GetChirpStack(ctx)
	return &ChirpStackOutput{Body: c}, err
}

// UpdateChirpStackInput replaces the ChirpStack settings.
type UpdateChirpStackInput struct {
	Body struct {
		ServerURL  string  `json:"server_url" maxLength:"500" doc:"Base URL of the ChirpStack REST API; empty: no downlinks"`
		APIToken   *string `json:"api_token,omitempty" maxLength:"2000" writeOnly:"true" doc:"A ChirpStack API key token; kept sealed, never returned; omit to keep the stored one"`
		ClearToken bool    `json:"clear_api_token,omitempty" doc:"Remove the stored token"`
	}
}

func (s *Service) handleUpdateChirpStack(ctx context.Context, in *UpdateChirpStackInput) (*ChirpStackOutput, error) {
	c, err := s.UpdateChirpStack(ctx, ChirpStackUpdate{ServerURL: in.Body.ServerURL, Token: in.Body.APIToken, ClearToken: in.Body.ClearToken})
	return &ChirpStackOutput{Body: c}, err
}

// CreateDisplayInput registers a display.
type CreateDisplayInput struct {
	Body struct {
		DevEUI  string `json:"dev_eui" pattern:"^[0-9A-Fa-f]{16}$" example:"70B3D57ED0061A2C" doc:"16 hex digits; stored upper-case"`
		Name    string `json:"name,omitempty" maxLength:"200"`
		Format  string `json:"format,omitempty" enum:"tnr-rgb,tnr-compact" doc:"The display's byte format; default tnr-rgb"`
		SpaceID string `json:"space_id,omitempty" format:"uuid" doc:"Assign at once: the display gets the space's state"`
	}
}

// DisplayOutput is one display.
type DisplayOutput struct {
	Body Display
}

func (s *Service) handleCreateDisplay(ctx context.Context, in *CreateDisplayInput) (*DisplayOutput, error) {
	b := in.Body
	space, err := httpapi.OptionalID("body.space_id", b.SpaceID)
	if err != nil {
		return nil, err
	}
	f := DisplayFields{DevEUI: b.DevEUI, Name: &b.Name, SpaceID: space}
	if b.Format != "" {
		f.Format = &b.Format
	}
	d, err := s.CreateDisplay(ctx, f)
	return &DisplayOutput{Body: d}, err
}

func (s *Service) handleGetDisplay(ctx context.Context, in *httpapi.IDInput) (*DisplayOutput, error) {
	d, err := s.GetDisplay(ctx, in.ID)
	return &DisplayOutput{Body: d}, err
}

// ListDisplaysInput pages displays.
type ListDisplaysInput struct {
	httpapi.PageInput
	Dead bool `query:"dead" doc:"Only the dead letters: displays whose last downlink attempt failed"`
}

// DisplayPage is a page of displays.
type DisplayPage struct {
	Body httpapi.Page[Display]
}

func (s *Service) handleListDisplays(ctx context.Context, in *ListDisplaysInput) (*DisplayPage, error) {
	key := func(x Display) deviceKey { return deviceKey{EUI: x.DevEUI, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *deviceKey) ([]Display, error) {
		return s.ListDisplays(ctx, in.Dead, size, after)
	})
	return &DisplayPage{Body: page}, err
}

// UpdateDisplayInput changes a display.
type UpdateDisplayInput struct {
	httpapi.IDInput
	Body struct {
		Name   *string `json:"name,omitempty" maxLength:"200"`
		Format *string `json:"format,omitempty" enum:"tnr-rgb,tnr-compact"`
	}
}

func (s *Service) handleUpdateDisplay(ctx context.Context, in *UpdateDisplayInput) (*DisplayOutput, error) {
	d, err := s.UpdateDisplay(ctx, in.ID, DisplayFields{Name: trimmed(in.Body.Name), Format: in.Body.Format})
	return &DisplayOutput{Body: d}, err
}

func (s *Service) handleRetryDisplayDownlink(ctx context.Context, in *httpapi.IDInput) (*DisplayOutput, error) {
	d, err := s.RetryDisplayDownlink(ctx, in.ID)
	return &DisplayOutput{Body: d}, err
}
