package parking_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// The gateways of the recorded uplink's rxInfo (testdata/up.json).
const gatewayA, gatewayB = "7076FF0064030456", "7076FF006403044A"

func (s server) device(p parkingTenant, eui, kind string) string {
	s.T.Helper()
	return s.Must(201, "POST", "/api/v1/devices", p.Access, map[string]any{"dev_eui": eui, "kind": kind})["id"].(string)
}

// listed returns the ids of every item of a list, following next_cursor (limit 1, so paging is
// exercised).
func (s server) listed(path, token string) []string {
	s.T.Helper()
	var ids []string
	cursor := ""
	for {
		page := s.Must(200, "GET", path+"?limit=1"+cursor, token, nil)
		for _, it := range page["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return ids
		}
		cursor = "&cursor=" + next
	}
}

func (s server) lastSeen(p parkingTenant, device string) any {
	s.T.Helper()
	return s.Must(200, "GET", "/api/v1/devices/"+device, p.Access, nil)["last_seen_at"]
}

const offlinePath, lowBatteryPath = "/api/v1/device-health/offline-gateways", "/api/v1/device-health/low-battery"

// TestParkingGatewayHealth: uplinks' rxInfo mark their gateways seen, at most every 30 s of event
// time; the offline list follows the tenant's threshold; both encodings.
func TestParkingGatewayHealth(t *testing.T) {
	t.Parallel()
	eachEncoding(t, func(t *testing.T, s server) {
		a := s.parkingTenant("gw")
		_, eui := s.sensor(a, s.space(a, "G-1"))
		g1, g2, g3 := s.device(a, gatewayA, "gateway"), s.device(a, gatewayB, "gateway"), s.device(a, "0000000000000003", "gateway")
		if got := s.listed(offlinePath, a.Access); !slices.Equal(got, []string{g3, g2, g1}) {
			t.Errorf("never-seen gateways, by EUI: %v, want %v", got, []string{g3, g2, g1})
		}
		now := time.Now().UTC().Truncate(time.Second)
		at := func(d time.Duration, fcnt int) string {
			return event(t, "up.json", eui, map[string]any{"fCnt": fcnt, "time": now.Add(d).Format(time.RFC3339Nano)})
		}
		seen := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
		s.ingest(a, "up", at(-10*time.Minute, 1))
		if got := s.lastSeen(a, g1); got != seen(-10*time.Minute) {
			t.Errorf("g1 last seen %v after an uplink at -10 min", got)
		}
		s.ingest(a, "up", at(-10*time.Minute+20*time.Second, 2)) // within 30 s: the row is left alone
		if got := s.lastSeen(a, g2); got != seen(-10*time.Minute) {
			t.Errorf("g2 last seen %v, want unchanged (-10 min) after an uplink 20 s later", got)
		}
		s.ingest(a, "up", at(-5*time.Minute, 3))
		if got := s.lastSeen(a, g1); got != seen(-5*time.Minute) {
			t.Errorf("g1 last seen %v after an uplink at -5 min", got)
		}
		s.ingest(a, "up", at(-8*time.Minute, 4)) // an older event never moves last_seen back
		if got := s.lastSeen(a, g1); got != seen(-5*time.Minute) {
			t.Errorf("g1 last seen %v after an older uplink", got)
		}
		// Default threshold 15 min: only g3 is offline; at 2 min, the gateways seen 5 min ago too.
		if got := s.listed(offlinePath, a.Access); !slices.Equal(got, []string{g3}) {
			t.Errorf("offline at 15 min: %v, want only g3", got)
		}
		settings := map[string]any{"max_reservation_minutes": 1440, "no_show_minutes": 15, "readings_retention_days": 30,
			"state_retention_days": 90, "gateway_offline_minutes": 2}
		s.Must(200, "PUT", "/api/v1/parking/settings", a.Access, settings)
		if got := s.listed(offlinePath, a.Access); !slices.Equal(got, []string{g3, g2, g1}) {
			t.Errorf("offline at 2 min: %v", got)
		}
		if g := s.Must(200, "GET", "/api/v1/devices/"+g1, a.Access, nil); g["online"] != false {
			t.Errorf("g1 seen 5 min ago with a 2 min threshold: online %v", g["online"])
		}
		s.ingest(a, "up", at(0, 5))
		if got := s.listed(offlinePath, a.Access); !slices.Equal(got, []string{g3}) {
			t.Errorf("after a fresh uplink: %v, want only g3", got)
		}
		s.Must(204, "DELETE", "/api/v1/devices/"+g3, a.Access, nil)
		if got := s.listed(offlinePath, a.Access); len(got) != 0 {
			t.Errorf("a decommissioned gateway is listed: %v", got)
		}
	})
}

// TestParkingLowBattery: status events' battery level against the tenant's threshold.
func TestParkingLowBattery(t *testing.T) {
	t.Parallel()
	eachEncoding(t, func(t *testing.T, s server) {
		a := s.parkingTenant("battery")
		status := func(eui string, set map[string]any) {
			t.Helper()
			if r := s.ingest(a, "status", event(t, "status.json", eui, set)); r.Status != 200 {
				t.Fatalf("status: %d %s", r.Status, r.Body)
			}
		}
		low, euiLow := s.sensor(a, s.space(a, "B-1"))
		mid, euiMid := s.sensor(a, s.space(a, "B-2"))
		_, euiMains := s.sensor(a, s.space(a, "B-3"))
		_, euiUnknown := s.sensor(a, s.space(a, "B-4"))
		status(euiLow, map[string]any{"batteryLevel": 12.5})
		status(euiMid, map[string]any{"batteryLevel": 60})
		status(euiMains, map[string]any{"batteryLevel": 3, "externalPowerSource": true})
		status(euiUnknown, map[string]any{"batteryLevel": nil, "batteryLevelUnavailable": true})
		if got := s.listed(lowBatteryPath, a.Access); !slices.Equal(got, []string{low}) {
			t.Errorf("below the default 20 %%: %v, want only %s", got, low)
		}
		settings := map[string]any{"max_reservation_minutes": 1440, "no_show_minutes": 15, "readings_retention_days": 30,
			"state_retention_days": 90, "low_battery_percent": 75}
		s.Must(200, "PUT", "/api/v1/parking/settings", a.Access, settings)
		got := s.listed(lowBatteryPath, a.Access)
		if len(got) != 2 || !slices.Contains(got, low) || !slices.Contains(got, mid) {
			t.Errorf("below 75 %%: %v, want %s and %s", got, low, mid)
		}
		status(euiLow, map[string]any{"batteryLevel": 99})
		if got := s.listed(lowBatteryPath, a.Access); !slices.Equal(got, []string{mid}) {
			t.Errorf("after a new battery: %v, want only %s", got, mid)
		}
	})
}

// TestParkingHealthSettingsAndAccess: the thresholds are validated, default when a PUT leaves
// them out, and the lists are per tenant, for members and keys with devices:read.
func TestParkingHealthSettingsAndAccess(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	mailer := s.Mailer()
	a, b := s.parkingTenant("hs-a"), s.parkingTenant("hs-b")
	base := map[string]any{"max_reservation_minutes": 1440, "no_show_minutes": 15, "readings_retention_days": 30, "state_retention_days": 90}
	with := func(k string, v any) map[string]any {
		m := map[string]any{k: v}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		field string
		value any
	}{{"gateway_offline_minutes", 1}, {"gateway_offline_minutes", 10081}, {"low_battery_percent", 0}, {"low_battery_percent", 100}} {
		r := s.Do("PUT", "/api/v1/parking/settings", a.Access, with(c.field, c.value))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "body."+c.field) {
			t.Errorf("%s = %v: %d %s", c.field, c.value, r.Status, r.Body)
		}
	}
	set := s.Must(200, "PUT", "/api/v1/parking/settings", a.Access, with("gateway_offline_minutes", 60))
	if set["gateway_offline_minutes"] != 60.0 || set["low_battery_percent"] != 20.0 {
		t.Errorf("settings: %v", set)
	}
	if set = s.Must(200, "PUT", "/api/v1/parking/settings", a.Access, base); set["gateway_offline_minutes"] != 15.0 {
		t.Errorf("a PUT without the threshold: %v, want the default 15", set)
	}

	gwA, gwB := s.device(a, gatewayA, "gateway"), s.device(b, gatewayA, "gateway")
	if got := s.listed(offlinePath, b.Access); !slices.Equal(got, []string{gwB}) {
		t.Errorf("B's offline gateways: %v, want only B's %s (A's is %s)", got, gwB, gwA)
	}
	sensorA, euiA := s.sensor(a, s.space(a, "HS-1"))
	s.ingest(a, "status", event(t, "status.json", euiA, map[string]any{"batteryLevel": 5}))
	if got := s.listed(lowBatteryPath, a.Access); !slices.Equal(got, []string{sensorA}) {
		t.Errorf("A's low-battery devices: %v, want %s", got, sensorA)
	}
	if got := s.listed(lowBatteryPath, b.Access); len(got) != 0 {
		t.Errorf("B's low-battery devices show %v (A's sensor is %s)", got, sensorA)
	}
	// devices:read, like the device list, which shows the same last_seen_at and battery_level.
	viewer := s.AddMember(mailer, a.Account, "hs-viewer", "viewer")
	_, k := s.CreateKey(a.Account, map[string]any{"name": "monitor", "scopes": []string{"devices:read"}})
	reader := s.readKey(a) // spaces:read only
	for _, path := range []string{offlinePath, lowBatteryPath} {
		if r := s.Do("GET", path, viewer.Access, nil); r.Status != 200 {
			t.Errorf("viewer %s: %d", path, r.Status)
		}
		if r := s.Do("GET", path, "", nil, "X-API-Key", k["key"].(string)); r.Status != 200 {
			t.Errorf("a key with devices:read %s: %d", path, r.Status)
		}
		if r := s.Do("GET", path, "", nil, "X-API-Key", reader); r.Status != http.StatusForbidden {
			t.Errorf("a key without devices:read %s: %d", path, r.Status)
		}
		if r := s.Do("GET", path, "", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("no credentials %s: %d", path, r.Status)
		}
	}
}

// TestParkingGatewayTouchDoesNotWait: an uplink through a gateway whose row another transaction
// holds neither waits for it nor fails; it leaves last_seen_at to a later uplink. (Were the
// update to wait, the uplink's backend would show up blocked by the holder, and the test fails.)
func TestParkingGatewayTouchDoesNotWait(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("hot")
	_, eui := s.sensor(a, s.space(a, "H-1"))
	gw := s.device(a, gatewayA, "gateway")
	ctx := context.WithoutCancel(t.Context())
	holder, err := pgx.Connect(ctx, s.Env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // released below; a second rollback is a no-op
	if _, err := tx.Exec(ctx, `SELECT 1 FROM devices WHERE id = $1 FOR UPDATE`, gw); err != nil {
		t.Fatal(err)
	}
	var holderPID int
	if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&holderPID); err != nil {
		t.Fatal(err)
	}
	done := make(chan apitest.Response, 1)
	go func() { done <- s.ingest(a, "up", uplink(t, eui, true, 1)) }()
	watcher, err := pgx.Connect(ctx, s.Env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(ctx)
	var r apitest.Response
	for r.Status == 0 {
		select {
		case r = <-done:
		default:
			var blocked int
			if err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, holderPID).Scan(&blocked); err != nil {
				t.Fatal(err)
			}
			if blocked > 0 {
				_ = tx.Rollback(ctx)
				t.Fatalf("the uplink waits for the gateway's row lock (answered after release: %s)", (<-done).Body)
			}
		}
	}
	if r.Status != 200 || r.JSON(t)["status"] != "stored" {
		t.Fatalf("uplink while the gateway row is held: %d %s", r.Status, r.Body)
	}
	if got := s.lastSeen(a, gw); got != nil {
		t.Errorf("last_seen_at %v, want the held row left alone", got)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	s.ingest(a, "up", uplink(t, eui, false, 2))
	if got := s.lastSeen(a, gw); got == nil {
		t.Error("the next uplink after the release did not mark the gateway seen")
	}
}
