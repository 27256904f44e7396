package parking_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

func TestParkingSpaceCodesArePerTenantAndSite(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a, b := s.parkingTenant("code-a"), s.parkingTenant("code-b")
	s.space(a, "SECRET-17")
	s.space(b, "SECRET-17") // two tenants may use the same code
	r := s.Do("POST", "/api/v1/spaces", a.Access, map[string]any{"site_id": a.site, "code": "SECRET-17"})
	if r.Status != http.StatusConflict || strings.Contains(string(r.Body), "SECRET-17") || strings.Contains(string(r.Body), "spaces_code_key") {
		t.Fatalf("duplicate code in one site: %d %s (want a 409 that echoes nothing)", r.Status, r.Body)
	}
	other := s.Must(201, "POST", "/api/v1/sites", a.Access, map[string]any{"name": "North", "timezone": "Europe/Lisbon"})["id"].(string)
	s.Must(201, "POST", "/api/v1/spaces", a.Access, map[string]any{"site_id": other, "code": "SECRET-17"}) // another site of A
	first := s.space(a, "REUSE-1")
	s.Must(204, "DELETE", "/api/v1/spaces/"+first, a.Access, nil)
	second := s.space(a, "REUSE-1") // a deleted code can be reused
	if r := s.Do("POST", "/api/v1/spaces/"+first+"/restore", a.Access, nil); r.Status != http.StatusConflict {
		t.Errorf("restoring a space whose code is taken again: %d %s", r.Status, r.Body)
	}
	s.Must(204, "DELETE", "/api/v1/spaces/"+second, a.Access, nil)
	if got := s.Must(200, "POST", "/api/v1/spaces/"+first+"/restore", a.Access, nil); got["deleted_at"] != nil {
		t.Errorf("restored space still deleted: %v", got)
	}
}

func TestParkingValidationChangesNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("val")
	space := s.space(a, "V-1")
	before := s.Count(`SELECT (SELECT count(*) FROM sites) * 1000 + (SELECT count(*) FROM spaces) * 100 + (SELECT count(*) FROM devices)`)
	bad := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/sites", map[string]any{"name": "X", "timezone": "Mars/Olympus"}},
		{"POST", "/api/v1/sites", map[string]any{"name": "X", "timezone": "Local"}},
		{"POST", "/api/v1/sites", map[string]any{"name": "X", "latitude": 38.7}},
		{"POST", "/api/v1/sites", map[string]any{"name": "X", "latitude": 91, "longitude": 0}},
		{"POST", "/api/v1/sites", map[string]any{"name": " "}},
		{"POST", "/api/v1/spaces", map[string]any{"site_id": a.site, "code": "V-2", "latitude": 1, "longitude": 181}},
		{"POST", "/api/v1/spaces", map[string]any{"site_id": a.site, "code": ""}},
		{"PATCH", "/api/v1/spaces/" + space, map[string]any{"latitude": 10}},
		{"PATCH", "/api/v1/sites/" + a.site, map[string]any{"timezone": "Europe/Nowhere"}},
		{"POST", "/api/v1/devices", map[string]any{"dev_eui": "70:B3:D5:7E:D0:05:A1:B2", "kind": "sensor"}},
		{"POST", "/api/v1/devices", map[string]any{"dev_eui": "70B3D57ED005A1B", "kind": "sensor"}},
		{"POST", "/api/v1/devices", map[string]any{"dev_eui": "70B3D57ED005A1BZ", "kind": "sensor"}},
		{"POST", "/api/v1/devices", map[string]any{"dev_eui": "70B3D57ED005A1B2", "kind": "gateway", "space_id": space}},
		{"GET", "/api/v1/spaces?cursor=not-a-cursor", nil},
	}
	for _, c := range bad {
		r := s.Do(c.method, c.path, a.Access, c.body)
		if r.Status != http.StatusUnprocessableEntity || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s %v: %d %s, want a 422 problem", c.method, c.path, c.body, r.Status, r.Body)
		}
	}
	if after := s.Count(`SELECT (SELECT count(*) FROM sites) * 1000 + (SELECT count(*) FROM spaces) * 100 + (SELECT count(*) FROM devices)`); after != before {
		t.Errorf("invalid requests changed the database: %d -> %d", before, after)
	}
	ok := s.Must(200, "PATCH", "/api/v1/spaces/"+space, a.Access, map[string]any{"latitude": 38.7, "longitude": -9.1, "zone": "Z"})
	if ok["latitude"] != 38.7 || ok["zone"] != "Z" {
		t.Errorf("patch: %v", ok)
	}
	cleared := s.Must(200, "PATCH", "/api/v1/spaces/"+space, a.Access, map[string]any{"latitude": nil, "longitude": nil})
	if cleared["latitude"] != nil || cleared["zone"] != "Z" {
		t.Errorf("clearing the location: %v", cleared)
	}
	lower := s.Must(201, "POST", "/api/v1/devices", a.Access, map[string]any{"dev_eui": "70b3d57ed005a1b2", "kind": "gateway"})
	if lower["dev_eui"] != "70B3D57ED005A1B2" {
		t.Errorf("EUI stored as %v, want the canonical upper-case form", lower["dev_eui"])
	}
}

// TestParkingCompositeKeysHoldUnderSQL: even through direct SQL as the application role, a space
// cannot point at another tenant's site, and a row cannot be written with another tenant's id.
func TestParkingCompositeKeysHoldUnderSQL(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a, b := s.parkingTenant("fk-a"), s.parkingTenant("fk-b")
	aID, _ := tenancy.ParseTenantID(a.TenantID)
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: aID, Role: tenancy.RoleOwner, Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		t.Fatal(err)
	}
	insert := func(tenant, site string) error {
		return s.DB.Tx(ctx, func(q postgres.Querier) error {
			_, err := q.Exec(ctx, `INSERT INTO spaces (tenant_id, id, site_id, code) VALUES ($1, $2, $3, 'X-1')`, tenant, tenancy.NewID(), site)
			return err
		})
	}
	if err := insert(a.TenantID, b.site); !postgres.IsCode(err, "23503") {
		t.Errorf("A's space on B's site: want a foreign-key violation, got %v", err)
	}
	if err := insert(b.TenantID, b.site); !postgres.IsCode(err, "42501") {
		t.Errorf("a space with B's tenant_id in A's scope: want the RLS refusal, got %v", err)
	}
	conn, err := pgx.Connect(t.Context(), s.Env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM v_spaces`).Scan(&n); err != nil || n != 0 {
		t.Errorf("v_spaces without a tenant: %d rows, %v", n, err)
	}
	if n := s.Count(`SELECT count(*) FROM spaces WHERE code = 'X-1'`); n != 0 {
		t.Errorf("%d rows written", n)
	}
}

func TestParkingSitesListDeleteAndOccupancy(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("sites")
	for _, name := range []string{"Delta", "alpha", "Charlie", "Bravo"} {
		s.Must(201, "POST", "/api/v1/sites", a.Access, map[string]any{"name": name})
	}
	if r := s.Do("POST", "/api/v1/sites", a.Access, map[string]any{"name": "ALPHA"}); r.Status != http.StatusConflict {
		t.Errorf("a live site with the same name in another case: %d", r.Status)
	}
	var names []string
	cursor := ""
	for page := 0; page < 5; page++ {
		body := s.Must(200, "GET", "/api/v1/sites?limit=2&cursor="+cursor, a.Access, nil)
		for _, it := range body["items"].([]any) {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	var all []string
	for _, it := range s.Must(200, "GET", "/api/v1/sites?limit=1000", a.Access, nil)["items"].([]any) {
		all = append(all, it.(map[string]any)["name"].(string))
	}
	if len(names) != 5 || strings.Join(names, ",") != strings.Join(all, ",") {
		t.Errorf("pages of 2 gave %v, one page (limit clamped to 100) %v", names, all)
	}
	sp1, sp2 := s.space(a, "O-1"), s.space(a, "O-2")
	s.sensor(a, sp1)
	if r := s.Do("DELETE", "/api/v1/sites/"+a.site, a.Access, nil); r.Status != http.StatusConflict {
		t.Fatalf("deleting a site with live spaces: %d %s", r.Status, r.Body)
	}
	s.Must(200, "PUT", "/api/v1/spaces/"+sp2+"/override", a.Access, map[string]any{"kind": "maintenance", "reason": "paint"})
	occ := s.Must(200, "GET", "/api/v1/sites/"+a.site+"/occupancy", a.Access, nil)
	if occ["total"] != 2.0 || occ["maintenance"] != 1.0 || occ["free"] != 1.0 {
		t.Errorf("occupancy: %v", occ)
	}
	s.Must(204, "DELETE", "/api/v1/sites/"+a.site+"?force=true", a.Access, nil)
	if n := s.Count(`SELECT count(*) FROM spaces WHERE tenant_id = $1 AND deleted_at IS NULL`, a.TenantID); n != 0 {
		t.Errorf("force delete left %d live spaces on a deleted site", n)
	}
	if n := s.Count(`SELECT count(*) FROM devices WHERE tenant_id = $1 AND space_id IS NOT NULL`, a.TenantID); n != 0 {
		t.Errorf("force delete left %d devices on deleted spaces", n)
	}
	if r := s.Do("POST", "/api/v1/spaces", a.Access, map[string]any{"site_id": a.site, "code": "O-3"}); r.Status != http.StatusNotFound {
		t.Errorf("a space on a deleted site: %d", r.Status)
	}
	s.Must(200, "POST", "/api/v1/sites/"+a.site+"/restore", a.Access, nil)
}

// TestParkingDeviceLifecycle: one sensor and one display per space; assign moves, unassign
// deactivates, decommission frees the EUI; every step is audited.
func TestParkingDeviceLifecycle(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("life")
	sp1, sp2 := s.space(a, "D-1"), s.space(a, "D-2")
	sensor, eui := s.sensor(a, sp1)
	if r := s.Do("POST", "/api/v1/devices", a.Access, map[string]any{"dev_eui": "00000000000000A1", "kind": "sensor", "space_id": sp1}); r.Status != http.StatusConflict {
		t.Errorf("a second sensor on a space: %d %s", r.Status, r.Body)
	}
	s.Must(201, "POST", "/api/v1/devices", a.Access, map[string]any{"dev_eui": "00000000000000D1", "kind": "display", "space_id": sp1})
	if r := s.Do("POST", "/api/v1/devices", a.Access, map[string]any{"dev_eui": strings.ToLower(eui), "kind": "sensor"}); r.Status != http.StatusConflict {
		t.Errorf("the same EUI twice in a tenant: %d", r.Status)
	}
	s.ingest(a, "up", uplink(t, eui, true, 1))
	moved := s.Must(200, "POST", "/api/v1/devices/"+sensor+"/assign", a.Access, map[string]any{"space_id": sp2})
	if moved["space_id"] != sp2 || moved["status"] != "active" {
		t.Errorf("moved: %v", moved)
	}
	if old := s.Must(200, "GET", "/api/v1/spaces/"+sp1, a.Access, nil); old["occupancy"] != "unknown" || old["state"] != "FREE" {
		t.Errorf("the space the sensor left: %v", old)
	}
	if off := s.Must(200, "POST", "/api/v1/devices/"+sensor+"/unassign", a.Access, nil); off["status"] != "inactive" || off["space_id"] != nil {
		t.Errorf("unassigned: %v", off)
	}
	s.Must(204, "DELETE", "/api/v1/devices/"+sensor, a.Access, nil)
	if d := s.Must(200, "GET", "/api/v1/devices/"+sensor, a.Access, nil); d["status"] != "decommissioned" {
		t.Errorf("decommissioned: %v", d)
	}
	if r := s.ingest(a, "up", uplink(t, eui, true, 2)); r.JSON(t)["status"] != "orphan" {
		t.Errorf("an uplink of a decommissioned device: %s", r.Body)
	}
	s.Must(201, "POST", "/api/v1/devices", a.Access, map[string]any{"dev_eui": eui, "kind": "sensor", "space_id": sp2})
	if n := len(s.Must(200, "GET", "/api/v1/orphan-devices", a.Access, nil)["items"].([]any)); n != 0 {
		t.Errorf("registering the EUI left it in the orphan inbox (%d)", n)
	}
	for _, action := range []string{"device.create", "device.assign", "device.unassign", "device.decommission", "space.create"} {
		if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = $2`, a.TenantID, action); n == 0 {
			t.Errorf("no audit row for %s", action)
		}
	}
}
