package parking

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// CreateDeviceInput registers a device.
type CreateDeviceInput struct {
	Body struct {
		DevEUI        string `json:"dev_eui" pattern:"^[0-9A-Fa-f]{16}$" example:"A84041000181C2D7" doc:"16 hex digits (for gateways: the gateway id); stored upper-case"`
		Kind          string `json:"kind" enum:"sensor,display,gateway"`
		Name          string `json:"name,omitempty" maxLength:"200"`
		Model         string `json:"model,omitempty" maxLength:"100"`
		PayloadFormat string `json:"payload_format,omitempty" enum:"auto,codec,tabs" doc:"How a sensor's occupancy is decoded; default auto"`
		SpaceID       string `json:"space_id,omitempty" format:"uuid" doc:"Assign at once (sensors and displays)"`
	}
}

// DeviceOutput is one device.
type DeviceOutput struct {
	Body Device
}

func (s *Service) handleCreateDevice(ctx context.Context, in *CreateDeviceInput) (*DeviceOutput, error) {
	b := in.Body
	space, err := httpapi.OptionalID("body.space_id", b.SpaceID)
	if err != nil {
		return nil, err
	}
	f := DeviceFields{DevEUI: b.DevEUI, Kind: b.Kind, Name: &b.Name, Model: &b.Model, SpaceID: space}
	if b.PayloadFormat != "" {
		f.PayloadFormat = &b.PayloadFormat
	}
	d, err := s.CreateDevice(ctx, f)
	return &DeviceOutput{Body: d}, err
}

func (s *Service) handleGetDevice(ctx context.Context, in *httpapi.IDInput) (*DeviceOutput, error) {
	d, err := s.GetDevice(ctx, in.ID)
	return &DeviceOutput{Body: d}, err
}

// ListDevicesInput filters and pages devices.
type ListDevicesInput struct {
	httpapi.PageInput
	Kind    string `query:"kind" enum:"sensor,display,gateway"`
	Status  string `query:"status" enum:"active,inactive,decommissioned"`
	SpaceID string `query:"space_id" format:"uuid"`
	DevEUI  string `query:"dev_eui" pattern:"^[0-9A-Fa-f]{16}$"`
}

// DevicePage is a page of devices.
type DevicePage struct {
	Body httpapi.Page[Device]
}

func (s *Service) handleListDevices(ctx context.Context, in *ListDevicesInput) (*DevicePage, error) {
	key := func(x Device) deviceKey { return deviceKey{EUI: x.DevEUI, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *deviceKey) ([]Device, error) {
		space, err := httpapi.OptionalID("query.space_id", in.SpaceID)
		if err != nil {
			return nil, err
		}
		return s.ListDevices(ctx, DeviceFilter{Kind: in.Kind, Status: in.Status, DevEUI: in.DevEUI, SpaceID: space}, size, after)
	})
	return &DevicePage{Body: page}, err
}

// UpdateDeviceInput changes a device.
type UpdateDeviceInput struct {
	httpapi.IDInput
	Body struct {
		Name          *string `json:"name,omitempty" maxLength:"200"`
		Model         *string `json:"model,omitempty" maxLength:"100"`
		PayloadFormat *string `json:"payload_format,omitempty" enum:"auto,codec,tabs"`
	}
}

func (s *Service) handleUpdateDevice(ctx context.Context, in *UpdateDeviceInput) (*DeviceOutput, error) {
	d, err := s.UpdateDevice(ctx, in.ID, DeviceFields{Name: trimmed(in.Body.Name), Model: trimmed(in.Body.Model), PayloadFormat: in.Body.PayloadFormat})
	return &DeviceOutput{Body: d}, err
}

func (s *Service) handleDecommissionDevice(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DecommissionDevice(ctx, in.ID)
}

// AssignInput puts a device on a space.
type AssignInput struct {
	httpapi.IDInput
	Body struct {
		SpaceID string `json:"space_id" format:"uuid"`
	}
}

func (s *Service) handleAssignDevice(ctx context.Context, in *AssignInput) (*DeviceOutput, error) {
	space, err := httpapi.OptionalID("body.space_id", in.Body.SpaceID)
	if err != nil {
		return nil, err
	}
	d, err := s.AssignDevice(ctx, in.ID, space.UUID)
	return &DeviceOutput{Body: d}, err
}

func (s *Service) handleUnassignDevice(ctx context.Context, in *httpapi.IDInput) (*DeviceOutput, error) {
	d, err := s.UnassignDevice(ctx, in.ID)
	return &DeviceOutput{Body: d}, err
}

// ListOrphansInput pages the orphan inbox.
type ListOrphansInput struct {
	httpapi.PageInput
}

// OrphanPage is a page of the orphan inbox.
type OrphanPage struct {
	Body httpapi.Page[Orphan]
}

func (s *Service) handleListOrphans(ctx context.Context, in *ListOrphansInput) (*OrphanPage, error) {
	key := func(x Orphan) timeKey { return timeKey{At: x.LastSeenAt, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *timeKey) ([]Orphan, error) {
		return s.ListOrphans(ctx, size, after)
	})
	return &OrphanPage{Body: page}, err
}

// AssignOrphanInput registers an orphan on a space.
type AssignOrphanInput struct {
	httpapi.IDInput
	Body struct {
		SpaceID string `json:"space_id" format:"uuid"`
		Kind    string `json:"kind,omitempty" enum:"sensor,display" doc:"Default sensor"`
		Name    string `json:"name,omitempty" maxLength:"200" doc:"Default: the name ChirpStack sent"`
	}
}

func (s *Service) handleAssignOrphan(ctx context.Context, in *AssignOrphanInput) (*DeviceOutput, error) {
	space, err := httpapi.OptionalID("body.space_id", in.Body.SpaceID)
	if err != nil {
		return nil, err
	}
	d, err := s.AssignOrphan(ctx, in.ID, space.UUID, in.Body.Kind, in.Body.Name)
	return &DeviceOutput{Body: d}, err
}

func (s *Service) handleDismissOrphan(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DismissOrphan(ctx, in.ID)
}
