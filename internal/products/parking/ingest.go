package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Ingest outcomes.
const (
	IngestStored    = "stored"    // a reading of a registered device was stored (and the space updated)
	IngestDuplicate = "duplicate" // this delivery was seen before: nothing changed
	IngestOrphan    = "orphan"    // the device is not registered: it is in the orphan inbox
	IngestIgnored   = "ignored"   // an event type parking does not use
)

// maxSample bounds the event kept as an orphan's sample payload.
const maxSample = 16 << 10

// IngestResult says what an ingest request did.
type IngestResult struct {
	Status     string `json:"status" enum:"stored,duplicate,orphan,ignored"`
	ReadingID  string `json:"reading_id,omitempty" format:"uuid"`
	DeviceID   string `json:"device_id,omitempty" format:"uuid"`
	SpaceID    string `json:"space_id,omitempty" format:"uuid"`
	SpaceState State  `json:"space_state,omitempty" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
}

// Ingest handles one ChirpStack v4 integration event for the tenant in the scope. Everything it
// does is one transaction, in this order: the signature (when the tenant has an ingest secret),
// the de-duplication key, then the reading, the device's health and the space's occupancy, and the
// audit row of the request. It returns only after the commit, so a 2xx means the data is durable.
// contentType selects the encoding: ChirpStack's protobuf marshaler (application/octet-stream) or
// JSON (anything else); the rules are the same for both.
func (s *Service) Ingest(ctx context.Context, event, contentType string, body []byte, sig Signature) (IngestResult, error) {
	ev := chirpEvent{kind: event}
	if !ignoredEvents[event] {
		var err error
		if ev, err = decodeEvent(event, contentType, body); err != nil {
			return IngestResult{}, err
		}
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return IngestResult{}, err
	}
	var out IngestResult
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := s.checkSignature(ctx, st, tenant, sig, body); err != nil {
			return err
		}
		if out, err = s.ingest(ctx, q, tenant, ev); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "ingest." + event, TargetType: "dev_eui", TargetID: ev.eui,
			Details: map[string]any{"status": out.Status, "device_id": out.DeviceID, "reading_id": out.ReadingID}})
	})
	if err != nil {
		return IngestResult{}, fmt.Errorf("parking: ingest: %w", err)
	}
	return out, nil
}

// ingest applies a verified event: de-duplication first, then the orphan inbox or the device.
func (s *Service) ingest(ctx context.Context, q postgres.Querier, tenant uuid.UUID, ev chirpEvent) (IngestResult, error) {
	if ignoredEvents[ev.kind] {
		return IngestResult{Status: IngestIgnored}, nil
	}
	st := store.New(q)
	dev, err := st.DeviceForIngest(ctx, store.DeviceForIngestParams{TenantID: tenant, DevEui: ev.eui})
	known := err == nil
	if err != nil && !postgres.IsNoRows(err) {
		return IngestResult{}, err
	}
	if key := ev.dedupKey(dev.FcntEpoch); key != "" {
		n, err := st.InsertDedupKey(ctx, store.InsertDedupKeyParams{TenantID: tenant, Key: key})
		if err != nil || n == 0 {
			out := IngestResult{Status: IngestDuplicate}
			if known {
				out.DeviceID = dev.ID.String()
			}
			return out, err
		}
	}
	if !known {
		return IngestResult{Status: IngestOrphan}, s.orphan(ctx, st, tenant, ev)
	}
	return s.apply(ctx, q, tenant, dev, ev)
}

func (s *Service) checkSignature(ctx context.Context, st *store.Queries, tenant uuid.UUID, sig Signature, body []byte) error {
	secret, err := st.IngestSecret(ctx, tenant)
	if postgres.IsNoRows(err) || (err == nil && secret == nil) {
		return nil
	}
	if err != nil {
		return err
	}
	return sig.verify(*secret, body, s.now())
}

// orphan records an event of an unregistered device in the orphan inbox.
func (s *Service) orphan(ctx context.Context, st *store.Queries, tenant uuid.UUID, ev chirpEvent) error {
	rssi, snr, gw := ev.bestSignal()
	sample := ev.sample
	if len(sample) > maxSample {
		sample = []byte(`{"truncated":true}`)
	}
	return st.UpsertOrphan(ctx, store.UpsertOrphanParams{TenantID: tenant, ID: tenancy.NewID(), DevEui: ev.eui,
		DeviceName: clip(ev.DeviceInfo.DeviceName, 200), DeviceProfile: clip(ev.DeviceInfo.DeviceProfileName, 200), LastEvent: ev.kind,
		LastRssi: rssi, LastSnr: snr, LastGateway: gw, SamplePayload: sample})
}

// apply stores a registered device's event and its effects.
func (s *Service) apply(ctx context.Context, q postgres.Querier, tenant uuid.UUID, dev store.DeviceForIngestRow, ev chirpEvent) (IngestResult, error) {
	st := store.New(q)
	at := ev.measuredAt(s.now())
	out := IngestResult{Status: IngestStored, ReadingID: tenancy.NewID().String(), DeviceID: dev.ID.String()}
	var occupied *bool
	if ev.kind == "up" && dev.Kind == "sensor" {
		occupied = DecodeOccupancy(dev.PayloadFormat, ev.Object, ev.Data)
	}
	if err := st.InsertReading(ctx, readingOf(tenant, dev, ev, at, occupied, out.ReadingID)); err != nil {
		return out, err
	}
	if err := s.touch(ctx, st, tenant, dev.ID, ev, at); err != nil {
		return out, err
	}
	if err := ackDownlink(ctx, st, tenant, dev.ID, ev); err != nil { // a display's downlink (downlink.go)
		return out, err
	}
	if !dev.SpaceID.Valid {
		return out, nil
	}
	out.SpaceID = dev.SpaceID.UUID.String()
	if occupied == nil {
		return out, nil
	}
	state, err := s.occupancy(ctx, q, tenant, dev.SpaceID.UUID, *occupied, at)
	out.SpaceState = state
	return out, err
}

func readingOf(tenant uuid.UUID, dev store.DeviceForIngestRow, ev chirpEvent, at time.Time, occupied *bool, id string) store.InsertReadingParams {
	rssi, snr, gw := ev.bestSignal()
	p := store.InsertReadingParams{TenantID: tenant, ID: uuid.MustParse(id), DeviceID: dev.ID, SpaceID: dev.SpaceID, Event: ev.kind,
		MeasuredAt: at, DedupKey: ev.dedupKey(dev.FcntEpoch), Occupied: occupied, Margin: ev.Margin, Rssi: rssi, Snr: snr, GatewayID: gw, Data: ev.Data}
	if ev.kind == "up" {
		f := ev.fCnt()
		p.FCnt = &f
		if ev.FPort != nil {
			port := int32(*ev.FPort)
			p.FPort = &port
		}
	}
	if !ev.BatteryLevelUnavailable {
		p.BatteryLevel = ev.BatteryLevel
	}
	if len(ev.Object) > 0 && string(ev.Object) != "null" {
		p.Object = ev.Object
	}
	return p
}

// touch updates the device's health from the event.
func (s *Service) touch(ctx context.Context, st *store.Queries, tenant, id uuid.UUID, ev chirpEvent, at time.Time) error {
	switch ev.kind {
	case "join":
		return st.NewFrameCounterEpoch(ctx, store.NewFrameCounterEpochParams{TenantID: tenant, ID: id, SeenAt: &at})
	case "status":
		battery := ev.BatteryLevel
		if ev.BatteryLevelUnavailable {
			battery = nil
		}
		ext := ev.ExternalPowerSource
		return st.SetDeviceHealth(ctx, store.SetDeviceHealthParams{TenantID: tenant, ID: id, BatteryLevel: battery, Margin: ev.Margin, ExternalPower: &ext, SeenAt: &at})
	case "txack":
		return nil // the gateway acknowledged a downlink; nothing about the device itself
	}
	rssi, snr, gw := ev.bestSignal()
	var fcnt *int64
	if ev.kind == "up" {
		f := ev.fCnt()
		fcnt = &f
	}
	if err := st.TouchDeviceUplink(ctx, store.TouchDeviceUplinkParams{TenantID: tenant, ID: id, SeenAt: &at, FCnt: fcnt, Rssi: rssi, Snr: snr, Gateway: gw}); err != nil {
		return err
	}
	if gws := ev.gateways(); len(gws) > 0 {
		return st.TouchGateways(ctx, store.TouchGatewaysParams{TenantID: tenant, Euis: gws, SeenAt: &at})
	}
	return nil
}

// occupancy records a sensor's report on its space. A report older than the space's last one is
// kept as a reading but does not change the space. The report changes the occupancy fact only: an
// override stays in force, whatever the sensor says.
func (s *Service) occupancy(ctx context.Context, q postgres.Querier, tenant, space uuid.UUID, occupied bool, at time.Time) (State, error) {
	st := store.New(q)
	sp, err := postgres.One(st.LockSpace(ctx, store.LockSpaceParams{TenantID: tenant, ID: space}))
	if err != nil {
		return "", err
	}
	if sp.DeletedAt != nil || (sp.OccupancyAt != nil && at.Before(*sp.OccupancyAt)) {
		cur, err := st.SpaceState(ctx, store.SpaceStateParams{TenantID: tenant, ID: space})
		return State(cur.State), err
	}
	value := "vacant"
	if occupied {
		value = "occupied"
	}
	return transitionAt(ctx, q, tenant, space, &at, sourceSensor, "sensor reported "+value, func() error {
		return st.SetOccupancy(ctx, store.SetOccupancyParams{TenantID: tenant, ID: space, Occupancy: value, OccupancyAt: &at})
	})
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
