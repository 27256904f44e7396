package parking

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Orphan is a device that sent data to the tenant's ingest endpoint but is not registered: the
// first stage of the device lifecycle, waiting in the inbox to be assigned or dismissed.
type Orphan struct {
	ID            string         `json:"id" format:"uuid"`
	DevEUI        string         `json:"dev_eui"`
	Status        string         `json:"status" enum:"orphan"`
	DeviceName    string         `json:"device_name" doc:"As named in ChirpStack"`
	DeviceProfile string         `json:"device_profile" doc:"ChirpStack device profile"`
	FirstSeenAt   time.Time      `json:"first_seen_at"`
	LastSeenAt    time.Time      `json:"last_seen_at"`
	UplinkCount   int64          `json:"uplink_count"`
	LastEvent     string         `json:"last_event"`
	LastRSSI      *int32         `json:"last_rssi"`
	LastSNR       *float64       `json:"last_snr"`
	LastGateway   *string        `json:"last_gateway"`
	SamplePayload map[string]any `json:"sample_payload" doc:"The last event received, as sent (a protobuf event in its JSON form)"`
}

// ListOrphans lists the orphan inbox, most recently seen first.
func (s *Service) ListOrphans(ctx context.Context, size int, after *timeKey) ([]Orphan, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListOrphansParams{TenantID: tenant, Lim: int32(size + 1)}
	if after != nil {
		p.AfterSeen, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Orphan
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListOrphans(ctx, p)
		for _, r := range rows {
			o := Orphan{ID: r.ID.String(), DevEUI: r.DevEui, Status: "orphan", DeviceName: r.DeviceName, DeviceProfile: r.DeviceProfile,
				FirstSeenAt: r.FirstSeenAt, LastSeenAt: r.LastSeenAt, UplinkCount: r.UplinkCount, LastEvent: r.LastEvent,
				LastRSSI: r.LastRssi, LastSNR: r.LastSnr, LastGateway: r.LastGateway}
			_ = json.Unmarshal(r.SamplePayload, &o.SamplePayload) // stored from validated JSON
			out = append(out, o)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list orphans: %w", err)
	}
	return out, nil
}

// AssignOrphan registers an orphan as an active device on a live space and takes it out of the inbox.
func (s *Service) AssignOrphan(ctx context.Context, id, space uuid.UUID, kind, name string) (Device, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Device{}, err
	}
	if kind == "" {
		kind = "sensor"
	}
	device := tenancy.NewID()
	var out Device
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		o, err := postgres.One(st.LockOrphan(ctx, store.LockOrphanParams{TenantID: tenant, ID: id}))
		if err != nil {
			return err
		}
		if _, err := lockLiveSpace(ctx, st, tenant, space); err != nil {
			return err
		}
		if name == "" {
			name = o.DeviceName
		}
		err = st.InsertDevice(ctx, store.InsertDeviceParams{TenantID: tenant, ID: device, DevEui: o.DevEui, Kind: kind, Name: name,
			PayloadFormat: "auto", Status: DeviceActive, SpaceID: uuid.NullUUID{UUID: space, Valid: true}})
		if err != nil {
			return err
		}
		if _, err := st.DeleteOrphan(ctx, store.DeleteOrphanParams{TenantID: tenant, ID: id}); err != nil {
			return err
		}
		details := map[string]any{"orphan_id": id.String(), "dev_eui": o.DevEui, "space_id": space.String(), "kind": kind}
		if err := record(ctx, q, "orphan.assign", "device", device, details); err != nil {
			return err
		}
		out, err = s.getDevice(ctx, st, tenant, device)
		return err
	})
	if err != nil {
		return Device{}, fmt.Errorf("parking: assign orphan: %w", deviceConflict(err))
	}
	return out, nil
}

// DismissOrphan removes an orphan from the inbox (it comes back if the device sends again).
func (s *Service) DismissOrphan(ctx context.Context, id uuid.UUID) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		n, err := store.New(q).DeleteOrphan(ctx, store.DeleteOrphanParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.ErrNotFound
		}
		return record(ctx, q, "orphan.dismiss", "orphan", id, nil)
	})
	if err != nil {
		return fmt.Errorf("parking: dismiss orphan: %w", err)
	}
	return nil
}
