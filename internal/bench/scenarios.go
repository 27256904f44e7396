package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// spaceView is what the checks read of a space.
type spaceView struct {
	ID         string `json:"id"`
	SiteID     string `json:"site_id"`
	TenantName string `json:"tenant_name"`
}

// checkSpace fails with errMismatch unless v is tenant t's space i.
func checkSpace(t *tenant, i int, v spaceView) error {
	if v.TenantName != t.name || v.SiteID != t.site.String() || v.ID != spaceID(t.n, i).String() {
		return fmt.Errorf("%w: tenant %d (%s) asked for its space %d and got id %s, site %s, tenant %q",
			errMismatch, t.n, t.id, i, v.ID, v.SiteID, v.TenantName)
	}
	return nil
}

// listScenario lists the first page (ListSize spaces, by code) of a random tenant: the page must
// be exactly that tenant's spaces 0..ListSize-1, in order. bySite filters by the tenant's site,
// which holds all its spaces: the same page through the statement with optional filters.
func listScenario(name, title string, tenants []tenant, bySite bool) scenario {
	path := fmt.Sprintf("/api/v1/spaces?limit=%d", ListSize)
	return scenario{name: name, title: title, next: func(r *rand.Rand) call {
		t := &tenants[r.IntN(len(tenants))]
		p := path
		if bySite {
			p += "&site_id=" + t.site.String()
		}
		return call{method: http.MethodGet, path: p, key: t.key, check: func(status int, body []byte) error {
			if status != http.StatusOK {
				return statusError(status, body)
			}
			if quickPageCheck(t, body) {
				return nil
			}
			return fullPageCheck(t, body)
		}}
	}}
}

// fullPageCheck decodes the page and checks every space.
func fullPageCheck(t *tenant, body []byte) error {
	var page struct{ Items []spaceView }
	if err := json.Unmarshal(body, &page); err != nil {
		return err
	}
	if len(page.Items) != ListSize {
		return fmt.Errorf("%w: tenant %d got %d spaces, want %d", errMismatch, t.n, len(page.Items), ListSize)
	}
	for i, v := range page.Items {
		if err := checkSpace(t, i, v); err != nil {
			return err
		}
	}
	return nil
}

// quickPageCheck is fullPageCheck without a JSON decoder, which would cost the load generator
// (sharing the server's CPUs) about 40 % of its time: it finds each item of the page by its
// opening `{"id":"` after '[' or ',' (a nested override or reservation follows a ':'), and checks
// its id, then its site_id and tenant_name, the fields the API writes in that order. It reports
// true only when all ListSize items match; anything else goes to fullPageCheck, which decides.
// Inside JSON strings a '"' is escaped, so a key pattern cannot be faked by a value.
func quickPageCheck(t *tenant, body []byte) bool {
	const start, site, name = `{"id":"`, `","site_id":"`, `"tenant_name":"`
	n := 0
	for rest := body; ; {
		i := bytes.Index(rest, []byte(start))
		if i < 0 {
			return n == ListSize
		}
		item := i > 0 && (rest[i-1] == '[' || rest[i-1] == ',')
		rest = rest[i+len(start):]
		if !item {
			continue
		}
		id, siteText := spaceID(t.n, n).String(), t.site.String()
		if !bytes.HasPrefix(rest, []byte(id+site+siteText+`"`)) {
			return false
		}
		j := bytes.Index(rest, []byte(name))
		if j < 0 || !bytes.HasPrefix(rest[j+len(name):], []byte(t.name+`"`)) {
			return false
		}
		rest = rest[j+len(name):]
		n++
	}
}

// getScenario reads a random space of a random tenant by its id.
func getScenario(tenants []tenant) scenario {
	return scenario{name: ScenarioGet, title: "`GET /api/v1/spaces/{id}`", next: func(r *rand.Rand) call {
		t := &tenants[r.IntN(len(tenants))]
		i := r.IntN(t.spaces)
		return call{method: http.MethodGet, path: "/api/v1/spaces/" + spaceID(t.n, i).String(), key: t.key,
			check: func(status int, body []byte) error {
				if status != http.StatusOK {
					return statusError(status, body)
				}
				var v spaceView
				if err := json.Unmarshal(body, &v); err != nil {
					return err
				}
				return checkSpace(t, i, v)
			}}
	}}
}

// reserveScenario reserves a random space of a random tenant (not the one under maintenance).
// Every request takes its own minute (a shared counter, two minutes apart, from two days ahead on,
// after every loaded reservation), so no two windows overlap and every one must be created (201).
func reserveScenario(tenants []tenant) scenario {
	base := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	var slot atomic.Int64
	return scenario{name: ScenarioReserve, title: "`POST /api/v1/reservations`", next: func(r *rand.Rand) call {
		t := &tenants[r.IntN(len(tenants))]
		i := r.IntN(t.spaces - 1)
		if i >= overrideSpace {
			i++
		}
		space := spaceID(t.n, i).String()
		start := base.Add(time.Duration(slot.Add(1)) * 2 * time.Minute)
		body, _ := json.Marshal(map[string]any{"request_id": uuid.New(), "space_id": space, "starts_at": start,
			"ends_at": start.Add(time.Minute), "holder": "bench"})
		return call{method: http.MethodPost, path: "/api/v1/reservations", body: body, key: t.key,
			check: func(status int, body []byte) error {
				if status != http.StatusCreated {
					return statusError(status, body)
				}
				var v struct {
					SpaceID   string `json:"space_id"`
					CreatedBy string `json:"created_by"`
				}
				if err := json.Unmarshal(body, &v); err != nil {
					return err
				}
				if v.SpaceID != space || v.CreatedBy != t.actor {
					return fmt.Errorf("%w: tenant %d reserved space %s as %s and got space %s by %s", errMismatch, t.n, space, t.actor, v.SpaceID, v.CreatedBy)
				}
				return nil
			}}
	}}
}

// ingestScenario posts a ChirpStack v4 uplink of a random sensor of a random tenant, with that
// tenant's key: a new delivery every time (fresh deduplicationId), the occupancy random, so about
// half of them change the space's state.
func ingestScenario(tenants []tenant) scenario {
	var fcnt atomic.Uint32
	return scenario{name: ScenarioIngest, title: "`POST /api/v1/ingest/chirpstack?event=up`", next: func(r *rand.Rand) call {
		t := &tenants[r.IntN(len(tenants))]
		i := r.IntN(t.sensors)
		body := uplink(r, devEUI(t.n, i), gatewayEUI(t.n), fcnt.Add(1), r.IntN(2) == 0)
		return call{method: http.MethodPost, path: "/api/v1/ingest/chirpstack?event=up", body: body, key: t.key,
			check: func(status int, body []byte) error {
				if status != http.StatusOK {
					return statusError(status, body)
				}
				var v struct {
					Status   string `json:"status"`
					DeviceID string `json:"device_id"`
					SpaceID  string `json:"space_id"`
				}
				if err := json.Unmarshal(body, &v); err != nil {
					return err
				}
				if v.Status != "stored" || v.DeviceID != deviceID(t.n, i).String() || v.SpaceID != spaceID(t.n, i).String() {
					return fmt.Errorf("%w: tenant %d sent an uplink of its sensor %d and got %s", errMismatch, t.n, i, body)
				}
				return nil
			}}
	}}
}

// uplink builds a ChirpStack v4 HTTP-integration "up" event as ChirpStack sends it (JSON
// marshaler): the device, the frame, the payload in the Browan TABS layout (byte 0, bit 0 =
// occupied) with the codec's object saying the same, one gateway's reception and the radio.
func uplink(r *rand.Rand, eui, gateway string, fcnt uint32, occupied bool) []byte {
	b := byte(0)
	if occupied {
		b = 1
	}
	ev := map[string]any{
		"deduplicationId": uuid.New().String(),
		"time":            time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"deviceInfo": map[string]any{"tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242", "tenantName": "ChirpStack",
			"applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97", "applicationName": "parking",
			"deviceProfileId": "0c0b2c4b-8d8a-4a4e-9c39-0b7d3a6f2b11", "deviceProfileName": "Browan TBSP100",
			"deviceName": "sensor-" + eui[12:], "devEui": strings.ToLower(eui), "deviceClassEnabled": "CLASS_A", "tags": map[string]string{}},
		"devAddr": "01" + strings.ToLower(eui[10:16]), "adr": true, "dr": 5, "fCnt": fcnt, "fPort": 102, "confirmed": false,
		"data":   []byte{b, 0x0e, 0x31, 0x00},
		"object": map[string]any{"occupied": occupied},
		"rxInfo": []map[string]any{{"gatewayId": strings.ToLower(gateway), "uplinkId": r.IntN(1 << 30), "rssi": -70 - r.IntN(50),
			"snr": float64(r.IntN(200)-50) / 10, "channel": r.IntN(8), "crcStatus": "CRC_OK",
			"context": "EFwMtA==", "metadata": map[string]string{"region_config_id": "eu868", "region_common_name": "EU868"}}},
		"txInfo": map[string]any{"frequency": 868100000, "modulation": map[string]any{"lora": map[string]any{
			"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}}},
	}
	raw, _ := json.Marshal(ev)
	return raw
}
