package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// Reading is one stored ingest event of a registered device.
type Reading struct {
	ID           string    `json:"id" format:"uuid"`
	DeviceID     string    `json:"device_id" format:"uuid"`
	SpaceID      *string   `json:"space_id" format:"uuid" doc:"The space the device was on, if any"`
	Event        string    `json:"event" enum:"up,join,status,ack,txack"`
	MeasuredAt   time.Time `json:"measured_at"`
	ReceivedAt   time.Time `json:"received_at"`
	FCnt         *int64    `json:"f_cnt"`
	FPort        *int32    `json:"f_port"`
	Occupied     *bool     `json:"occupied" doc:"Decoded occupancy; null when the event carried none"`
	BatteryLevel *float32  `json:"battery_level"`
	Margin       *int32    `json:"margin"`
	RSSI         *int32    `json:"rssi" doc:"Best RSSI among the receiving gateways"`
	SNR          *float64  `json:"snr"`
	GatewayID    *string   `json:"gateway_id"`
}

// ReadingFilter selects readings; empty fields do not filter.
type ReadingFilter struct {
	DeviceID, SpaceID uuid.NullUUID
	httpapi.Window
}

// ListReadings lists readings, newest first.
func (s *Service) ListReadings(ctx context.Context, f ReadingFilter, size int, after *timeKey) ([]Reading, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListReadingsParams{TenantID: tenant, DeviceID: f.DeviceID, SpaceID: f.SpaceID, Since: f.Since, Until: f.Until, Lim: int32(size + 1)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Reading
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListReadings(ctx, p)
		for _, r := range rows {
			rd := Reading{ID: r.ID.String(), DeviceID: r.DeviceID.String(), Event: r.Event, MeasuredAt: r.MeasuredAt, ReceivedAt: r.ReceivedAt,
				FCnt: r.FCnt, FPort: r.FPort, Occupied: r.Occupied, BatteryLevel: r.BatteryLevel, Margin: r.Margin, RSSI: r.Rssi, SNR: r.Snr, GatewayID: r.GatewayID}
			if r.SpaceID.Valid {
				id := r.SpaceID.UUID.String()
				rd.SpaceID = &id
			}
			out = append(out, rd)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list readings: %w", err)
	}
	return out, nil
}

// UtilisationHour is the share of a site's space-time that was occupied in one hour.
type UtilisationHour struct {
	Hour            time.Time `json:"hour"`
	OccupiedSeconds float64   `json:"occupied_seconds" doc:"Sum over the site's spaces"`
	Utilisation     float64   `json:"utilisation" doc:"occupied_seconds / (spaces * 3600), 0 to 1"`
}

// Utilisation is a site's hourly utilisation over a window.
type Utilisation struct {
	SiteID string            `json:"site_id" format:"uuid"`
	Spaces int64             `json:"spaces" doc:"Spaces that existed at some time in the window"`
	Hours  []UtilisationHour `json:"hours"`
}

// SiteUtilisation computes a site's utilisation per hour in [from, to), from the state history.
func (s *Service) SiteUtilisation(ctx context.Context, site uuid.UUID, from, to time.Time) (Utilisation, error) {
	from, to = from.UTC().Truncate(time.Hour), to.UTC().Truncate(time.Hour)
	if !to.After(from) {
		return Utilisation{}, errs.Invalidf("query.to", "must be at least one whole hour after from")
	}
	if to.Sub(from) > maxAvailabilityWindow {
		return Utilisation{}, errs.Invalidf("query.to", "the window may span at most 31 days")
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Utilisation{}, err
	}
	out := Utilisation{SiteID: site.String()}
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := getSite(ctx, st, tenant, site); err != nil {
			return err
		}
		if out.Spaces, err = st.SiteSpaceCount(ctx, store.SiteSpaceCountParams{TenantID: tenant, SiteID: site, Since: from, Until: to}); err != nil {
			return err
		}
		changes, err := st.SiteStateChanges(ctx, store.SiteStateChangesParams{TenantID: tenant, SiteID: site, Since: from, Until: to})
		out.Hours = hourly(changes, from, to, s.now(), out.Spaces)
		return err
	})
	if err != nil {
		return Utilisation{}, fmt.Errorf("parking: site utilisation: %w", err)
	}
	return out, nil
}

// hourly sums the OCCUPIED time of each space into hour buckets. Each change holds until the
// space's next change, or until min(to, now); the last change before from carries into the window.
func hourly(changes []store.SiteStateChangesRow, from, to, now time.Time, spaces int64) []UtilisationHour {
	n := int(to.Sub(from) / time.Hour)
	hours := make([]UtilisationHour, n)
	for i := range hours {
		hours[i].Hour = from.Add(time.Duration(i) * time.Hour)
	}
	end := to
	if now.Before(end) {
		end = now
	}
	for i, c := range changes {
		if c.NewState != string(StateOccupied) {
			continue
		}
		stop := end
		if i+1 < len(changes) && changes[i+1].SpaceID == c.SpaceID && changes[i+1].OccurredAt.Before(stop) {
			stop = changes[i+1].OccurredAt
		}
		addSpan(hours, from, maxTime(c.OccurredAt, from), stop)
	}
	for i := range hours {
		if spaces > 0 {
			hours[i].Utilisation = hours[i].OccupiedSeconds / (float64(spaces) * 3600)
		}
	}
	return hours
}

// addSpan adds [start, stop) to the buckets it overlaps.
func addSpan(hours []UtilisationHour, from, start, stop time.Time) {
	for t := start; t.Before(stop); {
		i := int(t.Sub(from) / time.Hour)
		if i < 0 || i >= len(hours) {
			return
		}
		next := hours[i].Hour.Add(time.Hour)
		if stop.Before(next) {
			next = stop
		}
		hours[i].OccupiedSeconds += next.Sub(t).Seconds()
		t = next
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
