package parking

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/products/parking/store"
)

type change struct {
	space [16]byte
	at    time.Time
	state string
}

func changes(cs ...change) []store.SiteStateChangesRow {
	out := make([]store.SiteStateChangesRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, store.SiteStateChangesRow{SpaceID: c.space, OccurredAt: c.at, NewState: c.state})
	}
	return out
}

// TestRecordedPayloads parses every recorded ChirpStack v4 event.
func TestRecordedPayloads(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		file, dedup string
	}{
		"up":     {"up.json", "up:5c1b86f4-8c7d-4a2e-9a64-0f3a7f0b2d11"},
		"join":   {"join.json", "join:0b7c2f51-6a1e-4d0b-b8f3-5e2a9c4d7f30"},
		"status": {"status.json", "status:5c1b86f4-8c7d-4a2e-9a64-0f3a7f0b2d11"},
		"ack":    {"ack.json", "ack:e4a0b0c2-1f3d-4b5a-9c8e-7d6f5e4d3c21"},
		"txack":  {"txack.json", "txack:1820391872:4b9d2a31-c0e7-4f58-8e16-93a2b7c4d5e6"},
	}
	for kind, c := range cases {
		body, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := parseEvent(kind, body)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if ev.eui != "E8E1E10001061A2B" || ev.dedupKey(0) != c.dedup {
			t.Errorf("%s: eui %s, dedup key %q", c.file, ev.eui, ev.dedupKey(0))
		}
	}
	body, _ := os.ReadFile(filepath.Join("testdata", "up.json"))
	ev, _ := parseEvent("up", body)
	rssi, snr, gw := ev.bestSignal()
	if *rssi != -97 || *snr != 7.25 || *gw != "7076FF0064030456" || ev.fCnt() != 142 || len(ev.gateways()) != 2 {
		t.Errorf("up: rssi %v snr %v gateway %v fcnt %d", *rssi, *snr, *gw, ev.fCnt())
	}
	if occ := DecodeOccupancy(FormatAuto, ev.Object, ev.Data); occ == nil || !*occ {
		t.Errorf("up: TABS data 01.. should decode as occupied, got %v", show(occ))
	}
}

func TestMalformedEvents(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"not JSON":         `{"deviceInfo":`,
		"array":            `[1,2]`,
		"no devEui":        `{"deviceInfo":{}}`,
		"bad devEui":       `{"deviceInfo":{"devEui":"0102"}}`,
		"bad base64":       `{"deviceInfo":{"devEui":"0101010101010101"},"data":"***"}`,
		"fCnt of a string": `{"deviceInfo":{"devEui":"0101010101010101"},"fCnt":"7"}`,
		"object array":     `{"deviceInfo":{"devEui":"0101010101010101"},"object":[1]}`,
	} {
		if _, err := parseEvent("up", []byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
