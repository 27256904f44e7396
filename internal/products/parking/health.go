package parking

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// Device health: the operator's lists of what needs a visit. A gateway's last_seen_at is the time
// of the latest uplink that named it in rxInfo (kept to within 30 s: see TouchGateways); a
// device's battery level is the one of its last status event (device-status MAC command).

// ListOfflineGateways lists the tenant's active gateways that relayed no uplink within the
// tenant's gateway_offline_minutes (or never did), by EUI.
func (s *Service) ListOfflineGateways(ctx context.Context, size int, after *deviceKey) ([]Device, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := store.ListOfflineGatewaysParams{TenantID: tenant, DefaultOfflineMinutes: DefaultSettings().GatewayOfflineMinutes, Now: now, Lim: int32(size + 1)}
	if after != nil {
		p.AfterEui, p.AfterID = &after.EUI, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Device
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListOfflineGateways(ctx, p)
		for _, r := range rows {
			out = append(out, deviceOf(store.GetDeviceRow(r), now))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list offline gateways: %w", err)
	}
	return out, nil
}

// ListLowBatteryDevices lists the tenant's sensors and displays (not decommissioned, not on
// external power) whose last reported battery level is below the tenant's low_battery_percent, by EUI.
func (s *Service) ListLowBatteryDevices(ctx context.Context, size int, after *deviceKey) ([]Device, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	def := DefaultSettings()
	p := store.ListLowBatteryDevicesParams{TenantID: tenant, DefaultOfflineMinutes: def.GatewayOfflineMinutes,
		DefaultLowBattery: def.LowBatteryPercent, Lim: int32(size + 1)}
	if after != nil {
		p.AfterEui, p.AfterID = &after.EUI, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Device
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListLowBatteryDevices(ctx, p)
		for _, r := range rows {
			out = append(out, deviceOf(store.GetDeviceRow(r), s.now()))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list low-battery devices: %w", err)
	}
	return out, nil
}

func (s *Service) handleListOfflineGateways(ctx context.Context, in *httpapi.PageInput) (*DevicePage, error) {
	page, err := httpapi.List(*in, deviceKeyOf, func(size int, after *deviceKey) ([]Device, error) {
		return s.ListOfflineGateways(ctx, size, after)
	})
	return &DevicePage{Body: page}, err
}

func (s *Service) handleListLowBatteryDevices(ctx context.Context, in *httpapi.PageInput) (*DevicePage, error) {
	page, err := httpapi.List(*in, deviceKeyOf, func(size int, after *deviceKey) ([]Device, error) {
		return s.ListLowBatteryDevices(ctx, size, after)
	})
	return &DevicePage{Body: page}, err
}

func deviceKeyOf(x Device) deviceKey { return deviceKey{EUI: x.DevEUI, ID: uuid.MustParse(x.ID)} }
