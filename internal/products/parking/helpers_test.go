package parking_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// server is the assembled service with the parking helpers below.
type server struct{ *apitest.Server }

// startServer starts the assembled service for t (apitest.Start).
func startServer(t *testing.T) server { return server{apitest.Start(t)} }

// parkingTenant is a registered owner, the tenant's default site and an ingest API key.
type parkingTenant struct {
	apitest.Account
	site   string // id of the default site registration made
	ingest string // an API key with webhook:ingest only
}

func (s server) parkingTenant(name string) parkingTenant {
	s.T.Helper()
	p := parkingTenant{Account: s.Register(name)}
	sites := s.Must(200, "GET", "/api/v1/sites", p.Access, nil)["items"].([]any)
	if len(sites) != 1 {
		s.T.Fatalf("registration made %d sites, want the default one", len(sites))
	}
	p.site = sites[0].(map[string]any)["id"].(string)
	st, k := s.CreateKey(p.Account, map[string]any{"name": "chirpstack", "scopes": []string{"webhook:ingest"}})
	if st != 201 {
		s.T.Fatalf("ingest key: %d", st)
	}
	p.ingest = k["key"].(string)
	return p
}

func (s server) space(p parkingTenant, code string) string {
	s.T.Helper()
	return s.Must(201, "POST", "/api/v1/spaces", p.Access, map[string]any{"site_id": p.site, "code": code})["id"].(string)
}

// sensor registers a sensor on space and returns its id and EUI.
func (s server) sensor(p parkingTenant, space string) (id, eui string) {
	s.T.Helper()
	eui = strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:16])
	id = s.Must(201, "POST", "/api/v1/devices", p.Access, map[string]any{"dev_eui": eui, "kind": "sensor", "space_id": space})["id"].(string)
	return id, eui
}

// event loads a recorded ChirpStack payload and sets the device and the fields given.
func event(t testing.TB, file, eui string, set map[string]any) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["deviceInfo"].(map[string]any)["devEui"] = strings.ToLower(eui)
	if _, ok := m["deduplicationId"]; ok {
		m["deduplicationId"] = uuid.NewString()
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	out, _ := json.Marshal(m)
	return string(out)
}

// uplink is a recorded uplink of eui reporting occupied or vacant (Browan TABS byte 0, bit 0).
func uplink(t testing.TB, eui string, occupied bool, fcnt int) string {
	data := "AA4xAA=="
	if occupied {
		data = "AQ4xAA=="
	}
	return event(t, "up.json", eui, map[string]any{"data": data, "fCnt": fcnt, "time": time.Now().UTC().Format(time.RFC3339Nano)})
}

func (s server) ingest(p parkingTenant, kind, body string) apitest.Response {
	s.T.Helper()
	return s.Do("POST", "/api/v1/ingest/chirpstack?event="+kind, "", body, "X-API-Key", p.ingest)
}

func (s server) state(p parkingTenant, space string) string {
	s.T.Helper()
	return fmt.Sprint(s.Must(200, "GET", "/api/v1/spaces/"+space, p.Access, nil)["state"])
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
