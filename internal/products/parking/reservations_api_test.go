package parking_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

func window(from time.Duration, length time.Duration) (string, string) {
	start := time.Now().UTC().Truncate(time.Minute).Add(from)
	return start.Format(time.RFC3339), start.Add(length).Format(time.RFC3339)
}

// TestParkingReservationRace: 50 parallel attempts on one slot, exactly one succeeds; the others
// get a 409 that lists the conflicting window and no personal data.
func TestParkingReservationRace(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("race")
	space := s.space(a, "RACE-1")
	start, end := window(2*time.Hour, time.Hour)
	var wg sync.WaitGroup
	statuses := make([]apitest.Response, 50)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.Do("POST", "/api/v1/reservations", a.Access, map[string]any{"request_id": uuid.NewString(), "space_id": space,
				"starts_at": start, "ends_at": end, "holder": "Private Person " + uuid.NewString()[:4]})
		}()
	}
	wg.Wait()
	created, conflicts := 0, 0
	for _, r := range statuses {
		switch r.Status {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
			if !strings.Contains(string(r.Body), `"location":"conflicts"`) || strings.Contains(string(r.Body), "Private Person") {
				t.Errorf("409 body: %s", r.Body)
			}
		default:
			t.Errorf("unexpected answer %d %s", r.Status, r.Body)
		}
	}
	if created != 1 || conflicts != 49 {
		t.Errorf("50 parallel attempts: %d created, %d conflicts (want 1 and 49)", created, conflicts)
	}
	if n := s.Count(`SELECT count(*) FROM reservations WHERE space_id = $1 AND status IN ('pending', 'confirmed')`, space); n != 1 {
		t.Errorf("%d held reservations", n)
	}
	// Back-to-back windows are fine (half-open ranges).
	next, after := window(3*time.Hour, time.Hour)
	s.Must(201, "POST", "/api/v1/reservations", a.Access, map[string]any{"request_id": uuid.NewString(), "space_id": space, "starts_at": next, "ends_at": after})
}

func TestParkingReservationIdempotencyAndLifecycle(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("resv")
	space := s.space(a, "RV-1")
	start, end := window(-10*time.Minute, time.Hour) // covers now
	body := map[string]any{"request_id": uuid.NewString(), "space_id": space, "starts_at": start, "ends_at": end, "holder": "AB-12-CD"}
	first := s.Must(201, "POST", "/api/v1/reservations", a.Access, body)
	again := s.Must(200, "POST", "/api/v1/reservations", a.Access, body)
	if first["id"] != again["id"] {
		t.Errorf("a retry made another reservation: %v vs %v", first["id"], again["id"])
	}
	body["holder"] = "someone else"
	if r := s.Do("POST", "/api/v1/reservations", a.Access, body); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("same request_id, other body: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM reservations WHERE tenant_id = $1`, a.TenantID); n != 1 {
		t.Errorf("%d reservations after retries", n)
	}
	if st := s.state(a, space); st != "RESERVED" {
		t.Errorf("state during the reservation: %s", st)
	}
	long, longEnd := window(time.Hour, 25*time.Hour)
	for name, b := range map[string]map[string]any{
		"longer than 24 h": {"request_id": uuid.NewString(), "space_id": space, "starts_at": long, "ends_at": longEnd},
		"end before start": {"request_id": uuid.NewString(), "space_id": space, "starts_at": longEnd, "ends_at": long},
		"in the past":      {"request_id": uuid.NewString(), "space_id": space, "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2020-01-01T01:00:00Z"},
	} {
		if r := s.Do("POST", "/api/v1/reservations", a.Access, b); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	id := first["id"].(string)
	av := s.Must(200, "GET", "/api/v1/spaces/"+space+"/availability?from="+start+"&to="+end, a.Access, nil)
	if av["available"] != false || len(av["reservations"].([]any)) != 1 || strings.Contains(mustJSON(av), "AB-12-CD") {
		t.Errorf("availability: %v", av)
	}
	if ci := s.Must(200, "POST", "/api/v1/reservations/"+id+"/check-in", a.Access, nil); ci["checked_in_at"] == nil {
		t.Errorf("check-in: %v", ci)
	}
	if r := s.Do("POST", "/api/v1/reservations/"+id+"/cancel", a.Access, map[string]any{}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("cancel without a reason: %d", r.Status)
	}
	c := s.Must(200, "POST", "/api/v1/reservations/"+id+"/cancel", a.Access, map[string]any{"reason": "customer called"})
	if c["status"] != "cancelled" || c["cancel_reason"] != "customer called" {
		t.Errorf("cancel: %v", c)
	}
	if r := s.Do("POST", "/api/v1/reservations/"+id+"/cancel", a.Access, map[string]any{"reason": "twice"}); r.Status != http.StatusConflict {
		t.Errorf("cancelling a cancelled reservation: %d", r.Status)
	}
	if st := s.state(a, space); st != "FREE" {
		t.Errorf("state after the cancellation: %s", st)
	}
	list := s.Must(200, "GET", "/api/v1/reservations?space_id="+space+"&status=cancelled", a.Access, nil)["items"].([]any)
	if len(list) != 1 {
		t.Errorf("filtered list: %v", list)
	}
	s.Must(200, "PUT", "/api/v1/parking/settings", a.Access, map[string]any{"max_reservation_minutes": 60, "no_show_minutes": 15,
		"readings_retention_days": 30, "state_retention_days": 90})
	s1, e1 := window(5*time.Hour, 61*time.Minute)
	if r := s.Do("POST", "/api/v1/reservations", a.Access, map[string]any{"request_id": uuid.NewString(), "space_id": space, "starts_at": s1, "ends_at": e1}); r.Status != 422 {
		t.Errorf("61 minutes with a 60-minute maximum: %d", r.Status)
	}
}

// TestParkingSensorNeverClearsMaintenance: the override wins over any sensor report; clearing it
// shows the sensor's fact again.
func TestParkingSensorNeverClearsMaintenance(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("maint")
	space := s.space(a, "M-1")
	_, eui := s.sensor(a, space)
	s.ingest(a, "up", uplink(t, eui, true, 1))
	s.Must(200, "PUT", "/api/v1/spaces/"+space+"/override", a.Access, map[string]any{"kind": "maintenance", "reason": "resurfacing"})
	for i, occupied := range []bool{false, true, false} {
		r := s.ingest(a, "up", uplink(t, eui, occupied, 2+i))
		if r.JSON(t)["space_state"] != "MAINTENANCE" {
			t.Fatalf("sensor report %v under maintenance: %s", occupied, r.Body)
		}
	}
	sp := s.Must(200, "GET", "/api/v1/spaces/"+space, a.Access, nil)
	if sp["state"] != "MAINTENANCE" || sp["occupancy"] != "vacant" || sp["override"].(map[string]any)["reason"] != "resurfacing" {
		t.Errorf("space: %v", sp)
	}
	start, end := window(time.Hour, time.Hour)
	if r := s.Do("POST", "/api/v1/reservations", a.Access, map[string]any{"request_id": uuid.NewString(), "space_id": space, "starts_at": start, "ends_at": end}); r.Status != http.StatusConflict {
		t.Errorf("reserving a space under an open-ended override: %d", r.Status)
	}
	if cleared := s.Must(200, "DELETE", "/api/v1/spaces/"+space+"/override", a.Access, nil); cleared["state"] != "FREE" || cleared["override"] != nil {
		t.Errorf("after clearing: %v", cleared)
	}
	// Each sensor report under maintenance changed the occupancy fact, never the state.
	var sources []string
	for _, h := range s.Must(200, "GET", "/api/v1/spaces/"+space+"/history", a.Access, nil)["items"].([]any) {
		sources = append(sources, h.(map[string]any)["source"].(string)+":"+h.(map[string]any)["new_state"].(string))
	}
	want := "override:FREE,sensor:MAINTENANCE,sensor:MAINTENANCE,sensor:MAINTENANCE,override:MAINTENANCE,sensor:OCCUPIED"
	if strings.Join(sources, ",") != want {
		t.Errorf("history (newest first) %v, want %s", sources, want)
	}
}
