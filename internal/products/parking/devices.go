package parking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Device lifecycle: an unknown device that sends data is an orphan (the orphan inbox); a
// registered device is active (on a space; gateways need none), inactive or decommissioned.
const (
	DeviceActive         = "active"
	DeviceInactive       = "inactive"
	DeviceDecommissioned = "decommissioned"
)

// Device is a registered sensor, display or gateway.
type Device struct {
	ID            string     `json:"id" format:"uuid"`
	DevEUI        string     `json:"dev_eui" pattern:"^[0-9A-F]{16}$" example:"A84041000181C2D7" doc:"16 upper-case hex digits (for gateways: the gateway id)"`
	Kind          string     `json:"kind" enum:"sensor,display,gateway"`
	Name          string     `json:"name"`
	Model         string     `json:"model"`
	PayloadFormat string     `json:"payload_format" enum:"auto,codec,tabs"`
	Status        string     `json:"status" enum:"active,inactive,decommissioned"`
	SpaceID       *string    `json:"space_id" format:"uuid"`
	LastSeenAt    *time.Time `json:"last_seen_at"`
	LastRSSI      *int32     `json:"last_rssi"`
	LastSNR       *float64   `json:"last_snr"`
	LastGateway   *string    `json:"last_gateway"`
	BatteryLevel  *float32   `json:"battery_level" doc:"Percent, from the last status event"`
	Margin        *int32     `json:"margin" doc:"Demodulation margin in dB, from the last status event"`
	ExternalPower *bool      `json:"external_power"`
	Online        *bool      `json:"online,omitempty" doc:"Gateways: relayed an uplink within the tenant's gateway_offline_minutes (parking settings)"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func deviceOf(r store.GetDeviceRow, now time.Time) Device {
	d := Device{ID: r.ID.String(), DevEUI: r.DevEui, Kind: r.Kind, Name: r.Name, Model: r.Model, PayloadFormat: r.PayloadFormat,
		Status: r.Status, LastSeenAt: r.LastSeenAt, LastRSSI: r.LastRssi, LastSNR: r.LastSnr, LastGateway: r.LastGateway,
		BatteryLevel: r.BatteryLevel, Margin: r.Margin, ExternalPower: r.ExternalPower, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.SpaceID.Valid {
		id := r.SpaceID.UUID.String()
		d.SpaceID = &id
	}
	if r.Kind == "gateway" {
		online := r.LastSeenAt != nil && now.Sub(*r.LastSeenAt) < time.Duration(r.OfflineMinutes)*time.Minute
		d.Online = &online
	}
	return d
}

// DeviceFields are the writable fields of a device; nil means "not given".
type DeviceFields struct {
	DevEUI, Kind               string // create only
	Name, Model, PayloadFormat *string
	SpaceID                    uuid.NullUUID // create only: assign at once
}

// deviceConflict names the unique rule a device write broke, without echoing any value.
func deviceConflict(err error) error {
	var pg *pgconn.PgError
	if !errs.Is(err, errs.Conflict) || !errors.As(err, &pg) {
		return err
	}
	switch pg.ConstraintName {
	case "devices_eui_key":
		return errs.Wrap(errs.Conflict, "a device with this EUI is already registered", err)
	case "devices_space_kind_key":
		return errs.Wrap(errs.Conflict, "the space already has a device of this kind", err)
	}
	return err
}

// CreateDevice registers a device, optionally on a live space of the tenant. Registering an EUI
// that is waiting in the orphan inbox takes it out of the inbox.
func (s *Service) CreateDevice(ctx context.Context, f DeviceFields) (Device, error) {
	eui, err := euiField("body.dev_eui", f.DevEUI)
	if err != nil {
		return Device{}, err
	}
	if f.Kind == "gateway" && f.SpaceID.Valid {
		return Device{}, errs.Invalidf("body.space_id", "gateways are not assigned to spaces")
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Device{}, err
	}
	status := DeviceInactive
	if f.SpaceID.Valid || f.Kind == "gateway" {
		status = DeviceActive
	}
	id := tenancy.NewID()
	var out Device
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if f.SpaceID.Valid {
			if _, err := lockLiveSpace(ctx, st, tenant, f.SpaceID.UUID); err != nil {
				return err
			}
		}
		err := st.InsertDevice(ctx, store.InsertDeviceParams{TenantID: tenant, ID: id, DevEui: eui, Kind: f.Kind, Name: deref(f.Name),
			Model: deref(f.Model), PayloadFormat: derefOr(f.PayloadFormat, "auto"), Status: status, SpaceID: f.SpaceID})
		if err != nil {
			return err
		}
		if err := st.DeleteOrphanByEUI(ctx, store.DeleteOrphanByEUIParams{TenantID: tenant, DevEui: eui}); err != nil {
			return err
		}
		if err := record(ctx, q, "device.create", "device", id, map[string]any{"kind": f.Kind, "dev_eui": eui}); err != nil {
			return err
		}
		out, err = s.getDevice(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Device{}, fmt.Errorf("parking: create device: %w", deviceConflict(err))
	}
	return out, nil
}

// GetDevice returns a device.
func (s *Service) GetDevice(ctx context.Context, id uuid.UUID) (Device, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Device, error) {
		return s.getDevice(ctx, store.New(q), tenant, id)
	})
	if err != nil {
		return Device{}, fmt.Errorf("parking: get device: %w", err)
	}
	return out, nil
}

func (s *Service) getDevice(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (Device, error) {
	r, err := postgres.One(st.GetDevice(ctx, store.GetDeviceParams{TenantID: tenant, ID: id, DefaultOfflineMinutes: DefaultSettings().GatewayOfflineMinutes}))
	if err != nil {
		return Device{}, err
	}
	return deviceOf(r, s.now()), nil
}

// DeviceFilter selects devices for ListDevices; empty fields do not filter.
type DeviceFilter struct {
	Kind, Status, DevEUI string
	SpaceID              uuid.NullUUID
}

// deviceKey is the sort key of the devices list, carried in its cursor.
type deviceKey struct {
	EUI string    `json:"e"`
	ID  uuid.UUID `json:"i"`
}

// ListDevices lists the tenant's devices by EUI.
func (s *Service) ListDevices(ctx context.Context, f DeviceFilter, size int, after *deviceKey) ([]Device, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListDevicesParams{TenantID: tenant, DefaultOfflineMinutes: DefaultSettings().GatewayOfflineMinutes, Kind: nonEmpty(f.Kind), Status: nonEmpty(f.Status), SpaceID: f.SpaceID, Lim: int32(size + 1)}
	if f.DevEUI != "" {
		eui, err := euiField("query.dev_eui", f.DevEUI)
		if err != nil {
			return nil, err
		}
		p.DevEui = &eui
	}
	if after != nil {
		p.AfterEui, p.AfterID = &after.EUI, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Device
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListDevices(ctx, p)
		for _, r := range rows {
			out = append(out, deviceOf(store.GetDeviceRow(r), s.now()))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list devices: %w", err)
	}
	return out, nil
}

// UpdateDevice changes a device's name, model or payload format.
func (s *Service) UpdateDevice(ctx context.Context, id uuid.UUID, f DeviceFields) (Device, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Device{}, err
	}
	var out Device
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := postgres.One(st.LockDevice(ctx, store.LockDeviceParams{TenantID: tenant, ID: id})); err != nil {
			return err
		}
		err := st.UpdateDevice(ctx, store.UpdateDeviceParams{TenantID: tenant, ID: id, Name: f.Name, Model: f.Model, PayloadFormat: f.PayloadFormat})
		if err != nil {
			return err
		}
		fields := map[string]any{"name": f.Name != nil, "model": f.Model != nil, "payload_format": f.PayloadFormat != nil}
		if err := record(ctx, q, "device.update", "device", id, fields); err != nil {
			return err
		}
		out, err = s.getDevice(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Device{}, fmt.Errorf("parking: update device: %w", err)
	}
	return out, nil
}

func derefOr[T any](s *T, def T) T {
	if s == nil {
		return def
	}
	return *s
}
