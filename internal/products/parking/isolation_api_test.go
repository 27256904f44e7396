package parking_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// parkingWorld is one of every parking object in a tenant.
type parkingWorld struct {
	parkingTenant
	space, device, reservation, orphan string
}

func (s server) parkingWorld(name string) parkingWorld {
	s.T.Helper()
	w := parkingWorld{parkingTenant: s.parkingTenant(name)}
	w.space = s.space(w.parkingTenant, "W-1")
	var eui string
	w.device, eui = s.sensor(w.parkingTenant, w.space)
	s.ingest(w.parkingTenant, "up", uplink(s.T, eui, true, 1))
	s.ingest(w.parkingTenant, "up", uplink(s.T, "C0FFEE00"+eui[8:], true, 1)) // an orphan
	w.orphan = s.Must(200, "GET", "/api/v1/orphan-devices", w.Access, nil)["items"].([]any)[0].(map[string]any)["id"].(string)
	start, end := window(time.Hour, time.Hour)
	w.reservation = s.Must(201, "POST", "/api/v1/reservations", w.Access, map[string]any{"request_id": uuid.NewString(), "space_id": w.space,
		"starts_at": start, "ends_at": end, "holder": "holder-" + name})["id"].(string)
	return w
}

// TestParkingCrossTenantIsIndistinguishable: B, addressing any of A's parking objects, gets the
// exact answer (status, body, headers) of a random id; B's lists never show A's ids; A's data is
// unchanged afterwards.
func TestParkingCrossTenantIsIndistinguishable(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a, b := s.parkingWorld("iso-a"), s.parkingWorld("iso-b")
	before := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1`, a.TenantID)
	from, to := window(-time.Hour, 2*time.Hour)
	ops := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/sites/%s", nil}, {"PATCH", "/api/v1/sites/%s", map[string]any{"name": "pwned"}},
		{"DELETE", "/api/v1/sites/%s?force=true", nil}, {"POST", "/api/v1/sites/%s/restore", nil},
		{"GET", "/api/v1/sites/%s/occupancy", nil}, {"GET", "/api/v1/sites/%s/utilisation?from=" + from + "&to=" + to, nil},
		{"GET", "/api/v1/spaces/%s", nil}, {"PATCH", "/api/v1/spaces/%s", map[string]any{"code": "pwned"}},
		{"DELETE", "/api/v1/spaces/%s?force=true", nil}, {"POST", "/api/v1/spaces/%s/restore", nil},
		{"PUT", "/api/v1/spaces/%s/override", map[string]any{"kind": "maintenance"}}, {"DELETE", "/api/v1/spaces/%s/override", nil},
		{"GET", "/api/v1/spaces/%s/history", nil}, {"GET", "/api/v1/spaces/%s/availability?from=" + from + "&to=" + to, nil},
		{"GET", "/api/v1/devices/%s", nil}, {"PATCH", "/api/v1/devices/%s", map[string]any{"name": "pwned"}},
		{"DELETE", "/api/v1/devices/%s", nil}, {"POST", "/api/v1/devices/%s/assign", map[string]any{"space_id": b.space}},
		{"POST", "/api/v1/devices/%s/unassign", nil},
		{"POST", "/api/v1/orphan-devices/%s/assign", map[string]any{"space_id": b.space}}, {"DELETE", "/api/v1/orphan-devices/%s", nil},
		{"GET", "/api/v1/reservations/%s", nil}, {"POST", "/api/v1/reservations/%s/cancel", map[string]any{"reason": "pwned"}},
		{"POST", "/api/v1/reservations/%s/check-in", nil},
	}
	idOf := map[string]string{"sites": a.site, "spaces": a.space, "devices": a.device, "orphan-devices": a.orphan, "reservations": a.reservation}
	for _, op := range ops {
		kind := strings.Split(op.path, "/")[3]
		theirs := s.Do(op.method, strings.Replace(op.path, "%s", idOf[kind], 1), b.Access, op.body)
		random := s.Do(op.method, strings.Replace(op.path, "%s", uuid.NewString(), 1), b.Access, op.body)
		if theirs.Status != http.StatusNotFound || theirs.Fingerprint() != random.Fingerprint() {
			t.Errorf("%s %s with A's id:\n%s\nrandom id:\n%s", op.method, op.path, theirs.Fingerprint(), random.Fingerprint())
		}
	}
	start, end := window(5*time.Hour, time.Hour)
	refs := []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/spaces", map[string]any{"site_id": a.site, "code": "REF"}},
		{"/api/v1/devices/" + b.device + "/assign", map[string]any{"space_id": a.space}},
		{"/api/v1/reservations", map[string]any{"request_id": uuid.NewString(), "space_id": a.space, "starts_at": start, "ends_at": end}},
	}
	for _, ref := range refs {
		theirs := s.Do("POST", ref.path, b.Access, ref.body)
		if theirs.Status != http.StatusNotFound || string(theirs.Body) != string(s.Do("GET", "/api/v1/spaces/"+uuid.NewString(), b.Access, nil).Body) {
			t.Errorf("POST %s referencing A's object: %d %s", ref.path, theirs.Status, theirs.Body)
		}
	}
	lists := []string{"/api/v1/sites?include_deleted=true", "/api/v1/spaces?include_deleted=true", "/api/v1/spaces?site_id=" + a.site,
		"/api/v1/devices", "/api/v1/devices?space_id=" + a.space, "/api/v1/orphan-devices", "/api/v1/reservations",
		"/api/v1/reservations?space_id=" + a.space, "/api/v1/telemetry/readings", "/api/v1/telemetry/readings?device_id=" + a.device,
		"/api/v1/telemetry/state-changes", "/api/v1/telemetry/state-changes?space_id=" + a.space}
	for _, l := range lists {
		r := s.Do("GET", l, b.Access, nil)
		for _, id := range []string{a.TenantID, a.site, a.space, a.device, a.orphan, a.reservation, "holder-iso-a", "Tenant iso-a"} {
			if r.Status != 200 || strings.Contains(string(r.Body), id) {
				t.Errorf("B's %s: %d, shows A's %s", l, r.Status, id)
			}
		}
	}
	if own := s.Do("GET", "/api/v1/spaces", b.Access, nil); !strings.Contains(string(own.Body), b.space) {
		t.Errorf("positive control: B's list does not show B's space: %s", own.Body)
	}
	if after := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1`, a.TenantID); after != before {
		t.Errorf("B's requests wrote %d audit rows in A", after-before)
	}
	if sp := s.Must(200, "GET", "/api/v1/spaces/"+a.space, a.Access, nil); sp["code"] != "W-1" || sp["deleted_at"] != nil {
		t.Errorf("A's space changed: %v", sp)
	}
}

// TestParkingRoles: viewers read, operators handle reservations and maintenance, admins the rest;
// API keys need the scope.
func TestParkingRoles(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	w := s.parkingWorld("roles")
	m := s.Mailer()
	viewer, operator := s.AddMember(m, w.Account, "roles-viewer", "viewer"), s.AddMember(m, w.Account, "roles-operator", "operator")
	start, end := window(7*time.Hour, time.Hour)
	cases := []struct {
		who          apitest.Account
		method, path string
		body         any
		want         int
	}{
		{viewer, "GET", "/api/v1/spaces/" + w.space, nil, 200},
		{viewer, "POST", "/api/v1/sites", map[string]any{"name": "V"}, 403},
		{viewer, "POST", "/api/v1/reservations", map[string]any{"request_id": uuid.NewString(), "space_id": w.space, "starts_at": start, "ends_at": end}, 403},
		{viewer, "PUT", "/api/v1/spaces/" + w.space + "/override", map[string]any{"kind": "maintenance"}, 403},
		{operator, "POST", "/api/v1/sites", map[string]any{"name": "O"}, 403},
		{operator, "POST", "/api/v1/devices", map[string]any{"dev_eui": "0011223344556677", "kind": "sensor"}, 403},
		{operator, "PUT", "/api/v1/spaces/" + w.space + "/override", map[string]any{"kind": "blocked"}, 403},
		{operator, "PUT", "/api/v1/spaces/" + w.space + "/override", map[string]any{"kind": "maintenance"}, 200},
		{operator, "DELETE", "/api/v1/spaces/" + w.space + "/override", nil, 200},
		{operator, "POST", "/api/v1/reservations", map[string]any{"request_id": uuid.NewString(), "space_id": w.space, "starts_at": start, "ends_at": end}, 201},
		{operator, "GET", "/api/v1/parking/settings", nil, 403},
		{w.Account, "PUT", "/api/v1/spaces/" + w.space + "/override", map[string]any{"kind": "blocked"}, 200},
		{operator, "DELETE", "/api/v1/spaces/" + w.space + "/override", nil, 403},
	}
	for _, c := range cases {
		if r := s.Do(c.method, c.path, c.who.Access, c.body); r.Status != c.want {
			t.Errorf("%s %s %s: %d %s, want %d", c.who.Email, c.method, c.path, r.Status, r.Body, c.want)
		}
	}
	if r := s.Do("GET", "/api/v1/spaces", "", nil, "X-API-Key", w.ingest); r.Status != 403 {
		t.Errorf("an ingest-only key listing spaces: %d", r.Status)
	}
	if r := s.Do("GET", "/api/v1/spaces", "", nil, "X-API-Key", s.readKey(w.parkingTenant)); r.Status != 200 {
		t.Errorf("a spaces:read key listing spaces: %d", r.Status)
	}
}
