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

	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// server is the assembled service with the parking helpers below; enc is the encoding its ingest
// helper posts events in.
type server struct {
	*apitest.Server
	enc encoding
}

// startServer starts the assembled service for t (apitest.Start); ingest posts JSON.
func startServer(t *testing.T) server { return server{apitest.Start(t), encodings[0]} }

// encoding is one of ChirpStack's HTTP integration marshalers.
type encoding struct {
	name, contentType string
}

var encodings = []encoding{{"json", "application/json"}, {"protobuf", "application/octet-stream"}}

// eachEncoding runs test once per ChirpStack marshaler, in parallel, each on its own server whose
// ingest helper posts that encoding.
func eachEncoding(t *testing.T, test func(t *testing.T, s server)) {
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			t.Parallel()
			test(t, server{apitest.Start(t), enc})
		})
	}
}

// wire is a JSON event as the server's encoding sends it.
func (s server) wire(kind, jsonBody string) string {
	s.T.Helper()
	if s.enc.name != "protobuf" || parking.IngestIgnoredEvent(kind) {
		return jsonBody
	}
	return string(parking.ProtoEvent(s.T, kind, []byte(jsonBody)))
}

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

// ingest posts a JSON event in the server's encoding.
func (s server) ingest(p parkingTenant, kind, body string) apitest.Response {
	s.T.Helper()
	return s.post(p, kind, s.wire(kind, body))
}

// post posts raw bytes as the server's encoding, with headers (name, value, ...).
func (s server) post(p parkingTenant, kind, raw string, headers ...string) apitest.Response {
	s.T.Helper()
	headers = append([]string{"X-API-Key", p.ingest, "Content-Type", s.enc.contentType}, headers...)
	return s.Do("POST", "/api/v1/ingest/chirpstack?event="+kind, "", raw, headers...)
}

func (s server) state(p parkingTenant, space string) string {
	s.T.Helper()
	return fmt.Sprint(s.Must(200, "GET", "/api/v1/spaces/"+space, p.Access, nil)["state"])
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
