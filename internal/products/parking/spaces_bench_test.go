package parking

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// BenchmarkSpacePageJSON encodes the body of GET /api/v1/spaces?limit=50 as the API does (Huma's
// default JSON format): a page of 50 spaces with their derived state, every fifth one under an
// override or a reservation, and a next cursor.
func BenchmarkSpacePageJSON(b *testing.B) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	lat, lon, until := 52.37, 4.89, now.Add(time.Hour)
	items := make([]Space, 50)
	for i := range items {
		sp := Space{ID: uuid.NewString(), SiteID: uuid.NewString(), SiteName: "Main site", TenantName: "Harbour Parking",
			Code: fmt.Sprintf("S-%07d", i), Name: fmt.Sprint("Space ", i), Building: "B0", Floor: "1", Zone: "Z3",
			Latitude: &lat, Longitude: &lon, State: StateFree, Occupancy: "vacant", OccupancyAt: &now, CreatedAt: now, UpdatedAt: now}
		switch i % 5 {
		case 1:
			sp.State, sp.Override = StateMaintenance, &ActiveOverride{ID: uuid.NewString(), Kind: "maintenance", Reason: "paint", Until: &until}
		case 2:
			sp.State, sp.Reservation = StateReserved, &ActiveReservationSummary{ID: uuid.NewString(), Until: &until}
		}
		items[i] = sp
	}
	page := httpapi.Page[Space]{Items: items, NextCursor: httpapi.Cursor(spaceKey{Code: items[49].Code, ID: uuid.MustParse(items[49].ID)})}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := huma.DefaultJSONFormat.Marshal(&buf, page); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
