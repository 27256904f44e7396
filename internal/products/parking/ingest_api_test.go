package parking_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestParkingIngestRecordedPayloads posts the recorded ChirpStack v4 payload of every event type,
// in both encodings.
func TestParkingIngestRecordedPayloads(t *testing.T) {
	t.Parallel()
	eachEncoding(t, func(t *testing.T, s server) {
		a := s.parkingTenant("ingest")
		space := s.space(a, "I-1")
		device, eui := s.sensor(a, space)
		gw := s.Must(201, "POST", "/api/v1/devices", a.Access, map[string]any{"dev_eui": "7076ff0064030456", "kind": "gateway"})["id"].(string)

		cases := []struct{ kind, file, want string }{
			{"join", "join.json", parking.IngestStored},
			{"up", "up.json", parking.IngestStored},
			{"status", "status.json", parking.IngestStored},
			{"ack", "ack.json", parking.IngestStored},
			{"txack", "txack.json", parking.IngestStored},
			{"log", "ack.json", parking.IngestIgnored},
		}
		for _, c := range cases {
			body := event(t, c.file, eui, map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano)})
			r := s.ingest(a, c.kind, body)
			if r.Status != 200 || r.JSON(t)["status"] != c.want {
				t.Fatalf("%s: %d %s", c.kind, r.Status, r.Body)
			}
		}
		if n := s.Count(`SELECT count(*) FROM readings WHERE tenant_id = $1 AND device_id = $2`, a.TenantID, device); n != 5 {
			t.Errorf("%d readings, want one per handled event (5)", n)
		}
		d := s.Must(200, "GET", "/api/v1/devices/"+device, a.Access, nil)
		if d["battery_level"] != 87.4 || d["margin"] != 9.0 || d["last_rssi"] != -97.0 || d["last_gateway"] != "7076FF0064030456" {
			t.Errorf("device health after status and up: %v", d)
		}
		if g := s.Must(200, "GET", "/api/v1/devices/"+gw, a.Access, nil); g["online"] != true {
			t.Errorf("the gateway that relayed the uplink is not online: %v", g)
		}
		if st := s.state(a, space); st != "OCCUPIED" {
			t.Errorf("TABS uplink 01..: state %s", st)
		}
		codec := event(t, "up_codec.json", eui, map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano)})
		if r := s.ingest(a, "up", codec); r.Status != 200 || r.JSON(t)["space_state"] != "FREE" {
			t.Errorf("codec object occupied=false: %d %s", r.Status, r.Body)
		}
		readings := s.Must(200, "GET", "/api/v1/telemetry/readings?device_id="+device, a.Access, nil)["items"].([]any)
		if len(readings) != 6 {
			t.Errorf("telemetry lists %d readings, want 6", len(readings))
		}
		hist := s.Must(200, "GET", "/api/v1/spaces/"+space+"/history", a.Access, nil)["items"].([]any)
		if len(hist) != 2 || hist[0].(map[string]any)["new_state"] != "FREE" || hist[1].(map[string]any)["source"] != "sensor" {
			t.Errorf("history: %v", hist)
		}
	})
}

// TestParkingIngestFrameCounterAfterJoin: without deduplicationId the key is (devEui, fCnt) within
// the device's join epoch: a replay is dropped, the same fCnt after a re-join is not.
func TestParkingIngestFrameCounterAfterJoin(t *testing.T) {
	t.Parallel()
	eachEncoding(t, func(t *testing.T, s server) {
		a := s.parkingTenant("fcnt")
		device, eui := s.sensor(a, s.space(a, "F-1"))
		up := event(t, "up.json", eui, map[string]any{"deduplicationId": nil, "fCnt": 3})
		for i, want := range []string{parking.IngestStored, parking.IngestDuplicate} {
			if r := s.ingest(a, "up", up); r.JSON(t)["status"] != want {
				t.Errorf("delivery %d: %s", i, r.Body)
			}
		}
		s.ingest(a, "join", event(t, "join.json", eui, nil))
		if r := s.ingest(a, "up", up); r.JSON(t)["status"] != parking.IngestStored {
			t.Errorf("fCnt 3 after a re-join: %s", r.Body)
		}
		if n := s.Count(`SELECT count(*) FROM readings WHERE device_id = $1 AND event = 'up'`, device); n != 2 {
			t.Errorf("%d uplink readings, want 2", n)
		}
	})
}

// TestParkingIngestReplayInParallel replays one uplink ten times at once: one reading.
func TestParkingIngestReplayInParallel(t *testing.T) {
	t.Parallel()
	eachEncoding(t, func(t *testing.T, s server) {
		a := s.parkingTenant("replay")
		device, eui := s.sensor(a, s.space(a, "R-1"))
		body := uplink(t, eui, true, 77)
		var wg sync.WaitGroup
		statuses := make([]string, 10)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.ingest(a, "up", body)
				statuses[i] = strconv.Itoa(r.Status) + " " + r.JSON(t)["status"].(string)
			}()
		}
		wg.Wait()
		stored := 0
		for _, st := range statuses {
			switch st {
			case "200 " + parking.IngestStored:
				stored++
			case "200 " + parking.IngestDuplicate:
			default:
				t.Errorf("a replay answered %s", st)
			}
		}
		if n := s.Count(`SELECT count(*) FROM readings WHERE device_id = $1`, device); n != 1 || stored != 1 {
			t.Errorf("10 parallel replays: %d readings, %d answers 'stored' (want 1 and 1)", n, stored)
		}
		if n := s.Count(`SELECT count(*) FROM space_state_changes WHERE tenant_id = $1`, a.TenantID); n != 1 {
			t.Errorf("%d state changes, want 1", n)
		}
	})
}

// TestParkingIngestRefusals: bad credentials, malformed bodies and bad signatures store nothing.
func TestParkingIngestRefusals(t *testing.T) {
	t.Parallel()
	eachEncoding(t, func(t *testing.T, s server) {
		a := s.parkingTenant("refuse")
		_, eui := s.sensor(a, s.space(a, "X-1"))
		good := s.wire("up", uplink(t, eui, true, 1))
		nothing := func(what string) {
			t.Helper()
			if n := s.Count(`SELECT (SELECT count(*) FROM readings WHERE tenant_id = $1) + (SELECT count(*) FROM ingest_dedup WHERE tenant_id = $1)
				+ (SELECT count(*) FROM orphan_devices WHERE tenant_id = $1)`, a.TenantID); n != 0 {
				t.Fatalf("%s stored %d rows", what, n)
			}
		}
		for name, key := range map[string]string{"no key": "", "bad key": "tnr_key_nope", "key without webhook:ingest": s.readKey(a)} {
			r := s.post(a, "up", good, "X-API-Key", key)
			if r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
				t.Errorf("%s: %d", name, r.Status)
			}
		}
		nothing("refused credentials")
		malformed := map[string]string{"broken JSON": `{"deviceInfo":{`, "no devEui": `{"fCnt":1}`,
			"bad devEui": strings.Replace(uplink(t, eui, true, 1), strings.ToLower(eui), "zz", 1)}
		if s.enc.name == "protobuf" {
			malformed = map[string]string{"truncated": good[:len(good)-3], "one byte short": good[:len(good)-1], "JSON": uplink(t, eui, true, 1),
				"no devEui": s.wire("up", `{"fCnt":1}`), "bad devEui": s.wire("up", malformed["bad devEui"])}
		}
		for name, body := range malformed {
			if r := s.post(a, "up", body); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if r := s.Do("POST", "/api/v1/ingest/chirpstack", "", good, "X-API-Key", a.ingest); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("no event parameter: %d", r.Status)
		}
		nothing("malformed requests")

		secret := s.Must(201, "POST", "/api/v1/parking/ingest-secret", a.Access, nil)["secret"].(string)
		now := time.Now().Unix()
		signed := func(ts int64, sig string) apitest.Response {
			return s.post(a, "up", good, parking.TimestampHeader, strconv.FormatInt(ts, 10), parking.SignatureHeader, sig)
		}
		for name, r := range map[string]apitest.Response{
			"unsigned":          s.post(a, "up", good),
			"wrong secret":      signed(now, parking.Sign("not-the-secret-at-all-not-the-secret", now, []byte(good))),
			"stale timestamp":   signed(now-301, parking.Sign(secret, now-301, []byte(good))),
			"signature of body": signed(now, parking.Sign(secret, now, []byte(good+" "))),
		} {
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", name, r.Status)
			}
		}
		nothing("bad signatures")
		if r := signed(now, parking.Sign(secret, now, []byte(good))); r.Status != 200 {
			t.Errorf("a good signature: %d %s", r.Status, r.Body)
		}
	})
}

func (s server) readKey(p parkingTenant) string {
	s.T.Helper()
	_, k := s.CreateKey(p.Account, map[string]any{"name": "reader", "scopes": []string{"spaces:read"}})
	return k["key"].(string)
}

// TestParkingOrphanInbox: an unknown device lands in the inbox and is assigned from it.
func TestParkingOrphanInbox(t *testing.T) {
	t.Parallel()
	eachEncoding(t, func(t *testing.T, s server) {
		a := s.parkingTenant("orphan")
		space := s.space(a, "N-1")
		eui := "A84041000181C2D3"
		for i := 1; i <= 3; i++ {
			if r := s.ingest(a, "up", uplink(t, eui, true, i)); r.JSON(t)["status"] != parking.IngestOrphan {
				t.Fatalf("unknown device: %s", r.Body)
			}
		}
		items := s.Must(200, "GET", "/api/v1/orphan-devices", a.Access, nil)["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("inbox: %v", items)
		}
		o := items[0].(map[string]any)
		if o["dev_eui"] != eui || o["uplink_count"] != 3.0 || o["last_rssi"] != -97.0 || o["device_name"] != "bay-a-017" || o["sample_payload"] == nil {
			t.Errorf("orphan: %v", o)
		}
		d := s.Must(200, "POST", "/api/v1/orphan-devices/"+o["id"].(string)+"/assign", a.Access, map[string]any{"space_id": space})
		if d["status"] != "active" || d["space_id"] != space || d["dev_eui"] != eui {
			t.Errorf("assigned orphan: %v", d)
		}
		if n := len(s.Must(200, "GET", "/api/v1/orphan-devices", a.Access, nil)["items"].([]any)); n != 0 {
			t.Errorf("the inbox still has %d entries", n)
		}
		if r := s.ingest(a, "up", uplink(t, eui, true, 4)); r.JSON(t)["space_state"] != "OCCUPIED" {
			t.Errorf("the assigned device's uplink: %s", r.Body)
		}
	})
}

// TestParkingUtilisation: an occupied uplink shows in the site's hourly utilisation.
func TestParkingUtilisation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("util")
	_, eui := s.sensor(a, s.space(a, "U-1"))
	s.space(a, "U-2")
	now := time.Now().UTC()
	s.ingest(a, "up", event(t, "up.json", eui, map[string]any{"time": now.Add(-time.Minute).Format(time.RFC3339Nano)}))
	from, to := now.Truncate(time.Hour).Add(-time.Hour).Format(time.RFC3339), now.Truncate(time.Hour).Add(time.Hour).Format(time.RFC3339)
	u := s.Must(200, "GET", "/api/v1/sites/"+a.site+"/utilisation?from="+from+"&to="+to, a.Access, nil)
	hours := u["hours"].([]any)
	if u["spaces"] != 2.0 || len(hours) != 2 {
		t.Fatalf("utilisation: %v", u)
	}
	var occupied float64
	for _, h := range hours {
		occupied += h.(map[string]any)["occupied_seconds"].(float64)
	}
	if occupied < 55 || occupied > 75 {
		t.Errorf("occupied seconds in the window: %v, want about 60 (occupied since a minute ago): %v", occupied, hours)
	}
}
