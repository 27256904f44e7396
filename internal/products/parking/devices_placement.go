package parking

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// AssignDevice puts a sensor or display on a live space of the tenant, moving it from the space it
// was on. A space holds one sensor and one display; a device or space of another tenant is NotFound.
func (s *Service) AssignDevice(ctx context.Context, id, space uuid.UUID) (Device, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Device{}, err
	}
	var out Device
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		d, err := postgres.One(st.LockDevice(ctx, store.LockDeviceParams{TenantID: tenant, ID: id}))
		if err != nil {
			return err
		}
		switch {
		case d.Kind == "gateway":
			return errs.Invalidf("path.id", "gateways are not assigned to spaces")
		case d.Status == DeviceDecommissioned:
			return errs.E(errs.Conflict, "the device is decommissioned")
		case d.SpaceID.Valid && d.SpaceID.UUID == space:
			out, err = s.getDevice(ctx, st, tenant, id)
			return err
		}
		if _, err := lockLiveSpace(ctx, st, tenant, space); err != nil {
			return err
		}
		if err := detach(ctx, q, tenant, id, d, DeviceInactive); err != nil {
			return err
		}
		target := uuid.NullUUID{UUID: space, Valid: true}
		if err := st.SetDevicePlacement(ctx, store.SetDevicePlacementParams{TenantID: tenant, ID: id, SpaceID: target, Status: DeviceActive}); err != nil {
			return err
		}
		if err := record(ctx, q, "device.assign", "device", id, map[string]any{"space_id": space.String()}); err != nil {
			return err
		}
		if d.Kind == "display" { // it shows its new space's state at once (downlink.go)
			if err := queueDisplayDownlinks(ctx, q, tenant, uuid.NullUUID{}, uuid.NullUUID{UUID: id, Valid: true}); err != nil {
				return err
			}
		}
		out, err = s.getDevice(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Device{}, fmt.Errorf("parking: assign device: %w", deviceConflict(err))
	}
	return out, nil
}

// UnassignDevice takes a device off its space; it becomes inactive. A device on no space is unchanged.
func (s *Service) UnassignDevice(ctx context.Context, id uuid.UUID) (Device, error) {
	out, err := s.retire(ctx, id, DeviceInactive, "device.unassign")
	if err != nil {
		return Device{}, fmt.Errorf("parking: unassign device: %w", err)
	}
	return out, nil
}

// DecommissionDevice retires a device for good: it leaves its space and its EUI may be registered
// again. Its readings stay.
func (s *Service) DecommissionDevice(ctx context.Context, id uuid.UUID) error {
	if _, err := s.retire(ctx, id, DeviceDecommissioned, "device.decommission"); err != nil {
		return fmt.Errorf("parking: decommission device: %w", err)
	}
	return nil
}

func (s *Service) retire(ctx context.Context, id uuid.UUID, status, action string) (Device, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Device{}, err
	}
	var out Device
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		d, err := postgres.One(st.LockDevice(ctx, store.LockDeviceParams{TenantID: tenant, ID: id}))
		if err != nil {
			return err
		}
		if changes := d.SpaceID.Valid || (status == DeviceDecommissioned && d.Status != status); changes {
			if d.Kind == "gateway" || !d.SpaceID.Valid {
				err = st.SetDevicePlacement(ctx, store.SetDevicePlacementParams{TenantID: tenant, ID: id, Status: status})
			} else {
				err = detach(ctx, q, tenant, id, d, status)
			}
			if err != nil {
				return err
			}
			if err := record(ctx, q, action, "device", id, map[string]any{"space_id": nullString(d.SpaceID)}); err != nil {
				return err
			}
		}
		out, err = s.getDevice(ctx, st, tenant, id)
		return err
	})
	return out, err
}

// detach takes a locked device off its space, if any, leaving it with status. A sensor leaving a
// space takes its occupancy fact with it: the space's occupancy becomes unknown.
func detach(ctx context.Context, q postgres.Querier, tenant, id uuid.UUID, d store.LockDeviceRow, status string) error {
	st := store.New(q)
	if !d.SpaceID.Valid {
		return nil
	}
	if err := st.SetDevicePlacement(ctx, store.SetDevicePlacementParams{TenantID: tenant, ID: id, Status: status}); err != nil {
		return err
	}
	if d.Kind != "sensor" {
		return nil
	}
	space := d.SpaceID.UUID
	if _, err := postgres.One(st.LockSpace(ctx, store.LockSpaceParams{TenantID: tenant, ID: space})); err != nil {
		return err
	}
	_, err := transition(ctx, q, tenant, space, sourceDevice, "sensor removed", func() error {
		return st.SetOccupancy(ctx, store.SetOccupancyParams{TenantID: tenant, ID: space, Occupancy: "unknown"})
	})
	return err
}

func nullString(u uuid.NullUUID) string {
	if !u.Valid {
		return ""
	}
	return u.UUID.String()
}
