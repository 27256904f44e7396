package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// parkingTenant is a registered owner, the tenant's default site and an ingest API key.
type parkingTenant struct {
	account
	site   string // id of the default site registration made
	ingest string // an API key with webhook:ingest only
}

func (s *testServer) parkingTenant(name string) parkingTenant {
	s.t.Helper()
	p := parkingTenant{account: s.register(name)}
	sites := s.must(200, "GET", "/api/v1/sites", p.access, nil)["items"].([]any)
	if len(sites) != 1 {
		s.t.Fatalf("registration made %d sites, want the default one", len(sites))
	}
	p.site = sites[0].(map[string]any)["id"].(string)
	st, k := s.createKey(p.account, map[string]any{"name": "chirpstack", "scopes": []string{"webhook:ingest"}})
	if st != 201 {
		s.t.Fatalf("ingest key: %d", st)
	}
	p.ingest = k["key"].(string)
	return p
}

// must sends a request and fails the test unless it answers status; it returns the JSON object.
func (s *testServer) must(status int, method, path, token string, body any, headers ...string) map[string]any {
	s.t.Helper()
	r := s.do(method, path, token, body, headers...)
	if r.status != status {
		s.t.Fatalf("%s %s: %d %s (want %d)", method, path, r.status, r.body, status)
	}
	if len(r.body) == 0 {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(r.body, &m)
	return m
}

func (s *testServer) space(p parkingTenant, code string) string {
	s.t.Helper()
	return s.must(201, "POST", "/api/v1/spaces", p.access, map[string]any{"site_id": p.site, "code": code})["id"].(string)
}

// sensor registers a sensor on space and returns its id and EUI.
func (s *testServer) sensor(p parkingTenant, space string) (id, eui string) {
	s.t.Helper()
	eui = strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:16])
	id = s.must(201, "POST", "/api/v1/devices", p.access, map[string]any{"dev_eui": eui, "kind": "sensor", "space_id": space})["id"].(string)
	return id, eui
}

// event loads a recorded ChirpStack payload and sets the device and the fields given.
func event(t *testing.T, file, eui string, set map[string]any) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "products", "parking", "testdata", file))
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
func uplink(t *testing.T, eui string, occupied bool, fcnt int) string {
	data := "AA4xAA=="
	if occupied {
		data = "AQ4xAA=="
	}
	return event(t, "up.json", eui, map[string]any{"data": data, "fCnt": fcnt, "time": time.Now().UTC().Format(time.RFC3339Nano)})
}

func (s *testServer) ingest(p parkingTenant, kind, body string) response {
	s.t.Helper()
	return s.do("POST", "/api/v1/ingest/chirpstack?event="+kind, "", body, "X-API-Key", p.ingest)
}

func (s *testServer) state(p parkingTenant, space string) string {
	s.t.Helper()
	return fmt.Sprint(s.must(200, "GET", "/api/v1/spaces/"+space, p.access, nil)["state"])
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
