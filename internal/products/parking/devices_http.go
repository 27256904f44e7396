package parking

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// CreateDeviceInput registers a device.
type CreateDeviceInput struct {
	Body struct {
		DevEUI        string `json:"dev_eui" pattern:"^[0-9A-Fa-f]{16}$" doc:"16 hex digits (for gateways: the gateway id); stored upper-case"`
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
	space, err := optionalID("body.space_id", b.SpaceID)
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

func (s *Service) handleGetDevice(ctx context.Context, in *IDInput) (*DeviceOutput, error) {
	id, err := parseID(in.ID)
	if err != nil {
		return nil, err
	}
	d, err := s.GetDevice(ctx, id)
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
	key, err := after[deviceKey](in.PageInput)
	if err != nil {
		return nil, err
	}
	space, err := optionalID("query.space_id", in.SpaceID)
	if err != nil {
		return nil, err
	}
	items, err := s.ListDevices(ctx, DeviceFilter{Kind: in.Kind, Status: in.Status, DevEUI: in.DevEUI, SpaceID: space}, in.Size(), key)
	if err != nil {
		return nil, err
	}
	return &DevicePage{Body: httpapi.NewPage(items, in.Size(), func(x Device) any { return deviceKey{EUI: x.DevEUI, ID: uuid.MustParse(x.ID)} })}, nil
}

// UpdateDeviceInput changes a device.
type UpdateDeviceInput struct {
	IDInput
	Body struct {
		Name          *string `json:"name,omitempty" maxLength:"200"`
		Model         *string `json:"model,omitempty" maxLength:"100"`
		PayloadFormat *string `json:"payload_format,omitempty" enum:"auto,codec,tabs"`
	}
}

func (s *Service) handleUpdateDevice(ctx context.Context, in *UpdateDeviceInput) (*DeviceOutput, error) {
	id, err := parseID(in.ID)
	if err != nil {
		return nil, err
	}
	d, err := s.UpdateDevice(ctx, id, DeviceFields{Name: trimmed(in.Body.Name), Model: trimmed(in.Body.Model), PayloadFormat: in.Body.PayloadFormat})
	return &DeviceOutput{Body: d}, err
}

func (s *Service) handleDecommissionDevice(ctx context.Context, in *IDInput) (*NoContent, error) {
	id, err := parseID(in.ID)
	if err != nil {
		return nil, err
	}
	return &NoContent{}, s.DecommissionDevice(ctx, id)
}

// AssignInput puts a device on a space.
type AssignInput struct {
	IDInput
	Body struct {
		SpaceID string `json:"space_id" format:"uuid"`
	}
}

func (s *Service) handleAssignDevice(ctx context.Context, in *AssignInput) (*DeviceOutput, error) {
	id, err := parseID(in.ID)
	if err != nil {
		return nil, err
	}
	space, err := optionalID("body.space_id", in.Body.SpaceID)
	if err != nil {
		return nil, err
	}
	d, err := s.AssignDevice(ctx, id, space.UUID)
	return &DeviceOutput{Body: d}, err
}

func (s *Service) handleUnassignDevice(ctx context.Context, in *IDInput) (*DeviceOutput, error) {
	id, err := parseID(in.ID)
	if err != nil {
		return nil, err
	}
	d, err := s.UnassignDevice(ctx, id)
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
	key, err := after[timeKey](in.PageInput)
	if err != nil {
		return nil, err
	}
	items, err := s.ListOrphans(ctx, in.Size(), key)
	if err != nil {
		return nil, err
	}
	return &OrphanPage{Body: httpapi.NewPage(items, in.Size(), func(x Orphan) any { return timeKey{At: x.LastSeenAt, ID: uuid.MustParse(x.ID)} })}, nil
}

// AssignOrphanInput registers an orphan on a space.
type AssignOrphanInput struct {
	IDInput
	Body struct {
		SpaceID string `json:"space_id" format:"uuid"`
		Kind    string `json:"kind,omitempty" enum:"sensor,display" doc:"Default sensor"`
		Name    string `json:"name,omitempty" maxLength:"200" doc:"Default: the name ChirpStack sent"`
	}
}

func (s *Service) handleAssignOrphan(ctx context.Context, in *AssignOrphanInput) (*DeviceOutput, error) {
	id, err := parseID(in.ID)
	if err != nil {
		return nil, err
	}
	space, err := optionalID("body.space_id", in.Body.SpaceID)
	if err != nil {
		return nil, err
	}
	d, err := s.AssignOrphan(ctx, id, space.UUID, in.Body.Kind, in.Body.Name)
	return &DeviceOutput{Body: d}, err
}

func (s *Service) handleDismissOrphan(ctx context.Context, in *IDInput) (*NoContent, error) {
	id, err := parseID(in.ID)
	if err != nil {
		return nil, err
	}
	return &NoContent{}, s.DismissOrphan(ctx, id)
}
