package flows_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

const randomID = "01900000-0000-7000-8000-00000000dead"

// TestTargetListsAPI: CRUD over HTTP, validation as problem+json, pages, roles, and the 404 of a
// random id for another tenant's list.
func TestTargetListsAPI(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	s.run(t, "crud", func(t *testing.T, s flowsAPI) {
		o := s.office("tl", "olga:operator", "vera:viewer")
		other := s.office("tl2")
		body := map[string]any{"name": "File servers", "targets": []any{map[string]any{"label": " srv-1 ", "notes": "rack 4"},
			map[string]any{"label": "srv-2"}}}
		r := s.Do("POST", "/api/v1/target-lists", o.m("olga").Access, body)
		if r.Status != 201 || !strings.HasPrefix(r.Header.Get("Location"), "/api/v1/target-lists/") {
			t.Fatalf("create: %d %s %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		list := r.JSON(t)
		id := list["id"].(string)
		got := s.Must(200, "GET", "/api/v1/target-lists/"+id, o.m("vera").Access, nil)
		if ts := got["targets"].([]any); len(ts) != 2 || ts[0].(map[string]any)["label"] != "srv-1" {
			t.Errorf("targets %v", got["targets"])
		}
		body["name"] = "Windows servers"
		if got := s.Must(200, "PUT", "/api/v1/target-lists/"+id, o.m("olga").Access, body); got["name"] != "Windows servers" {
			t.Errorf("replace: %v", got)
		}
		wantProblem(t, s.Do("POST", "/api/v1/target-lists", o.m("vera").Access, body), 403, "")
		random := s.Do("GET", "/api/v1/target-lists/"+randomID, other.owner.Access, nil)
		sameAsRandom(t, "another tenant's list", s.Do("GET", "/api/v1/target-lists/"+id, other.owner.Access, nil), random)
		sameAsRandom(t, "another tenant's list (replace)", s.Do("PUT", "/api/v1/target-lists/"+id, other.owner.Access, body),
			s.Do("PUT", "/api/v1/target-lists/"+randomID, other.owner.Access, body))
		for range 3 {
			s.Must(201, "POST", "/api/v1/target-lists", o.owner.Access, body)
		}
		if all := s.pages(o.m("vera"), "/api/v1/target-lists", 2); len(all) != 4 {
			t.Errorf("%d lists over pages, want 4", len(all))
		}
		if n := len(items(s.Must(200, "GET", "/api/v1/target-lists", other.owner.Access, nil))); n != 0 {
			t.Errorf("the other tenant lists %d", n)
		}
		s.Must(204, "DELETE", "/api/v1/target-lists/"+id, o.m("olga").Access, nil)
		wantProblem(t, s.Do("GET", "/api/v1/target-lists/"+id, o.owner.Access, nil), 404, "")
	})
	s.run(t, "validation", func(t *testing.T, s flowsAPI) {
		o := s.office("tlv")
		many := make([]any, 501)
		for i := range many {
			many[i] = map[string]any{"label": fmt.Sprintf("srv-%d", i)}
		}
		for _, c := range []struct {
			body     map[string]any
			location string
		}{
			{map[string]any{"name": "x", "targets": []any{map[string]any{"label": "ok"}, map[string]any{"label": "  "}}}, "body.targets[1].label"},
			{map[string]any{"name": "x", "targets": []any{map[string]any{"label": strings.Repeat("a", 201)}}}, "body.targets[0].label"},
			{map[string]any{"name": "x", "targets": many}, "body.targets"},
			{map[string]any{"name": "  ", "targets": []any{map[string]any{"label": "a"}}}, "body.name"},
		} {
			wantProblem(t, s.Do("POST", "/api/v1/target-lists", o.owner.Access, c.body), 422, c.location)
		}
		if n := s.Count(`SELECT count(*) FROM flow_target_lists WHERE tenant_id = $1`, o.owner.TenantID); n != 0 {
			t.Errorf("%d lists after refused creates", n)
		}
	})
}

// TestBatchLaunchAPI: a batch prepares one session per target, assigned and labelled like a
// prepared session, and counts them by status; a bad target, list or assignee leaves nothing.
func TestBatchLaunchAPI(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	s.run(t, "launch", func(t *testing.T, s flowsAPI) {
		o := s.office("bl", "olga:operator", "otto:operator")
		other := s.office("bl2")
		flow := s.published(o.m("olga"), "Patch check", map[string]any{"visibility": "account"})
		list := s.Must(201, "POST", "/api/v1/target-lists", o.owner.Access, map[string]any{"name": "Servers",
			"targets": []any{map[string]any{"label": "srv-1"}, map[string]any{"label": "srv-2"}}})
		r := s.Do("POST", "/api/v1/flows/"+flow+"/batch-launch", o.m("olga").Access, map[string]any{"target_list_id": list["id"],
			"targets": []any{map[string]any{"label": "laptop-7"}}, "assigned_to": o.m("otto").UserID})
		if r.Status != 201 || !strings.HasPrefix(r.Header.Get("Location"), "/api/v1/batches/") {
			t.Fatalf("launch: %d %s", r.Status, r.Body)
		}
		batch := r.JSON(t)
		if batch["target_count"] != 3.0 || batch["progress"].(map[string]any)["prepared"] != 3.0 {
			t.Errorf("batch %v", batch)
		}
		assigned := items(s.Must(200, "GET", "/api/v1/sessions?scope=assigned", o.m("otto").Access, nil))
		if len(assigned) != 3 {
			t.Fatalf("otto has %d assigned sessions, want 3", len(assigned))
		}
		one := s.Must(200, "GET", "/api/v1/sessions/"+assigned[0]["id"].(string), o.m("otto").Access, nil)
		if one["batch_id"] != batch["id"] || one["status"] != "prepared" || one["target_label"] == nil || one["owner_id"] != o.m("olga").UserID {
			t.Errorf("session %v", one)
		}
		s.Must(200, "POST", "/api/v1/sessions/"+assigned[0]["id"].(string)+"/start", o.m("otto").Access, nil)
		progress := s.Must(200, "GET", "/api/v1/batches/"+batch["id"].(string), o.owner.Access, nil)["progress"].(map[string]any)
		if progress["prepared"] != 2.0 || progress["active"] != 1.0 {
			t.Errorf("progress %v", progress)
		}
		notes := items(s.Must(200, "GET", "/api/v1/notifications", o.m("otto").Access, nil))
		if len(notes) != 1 || notes[0]["kind"] != "batch.ready" || notes[0]["payload"].(map[string]any)["batch_id"] != batch["id"] {
			t.Fatalf("otto's notifications %v", notes)
		}
		note := notes[0]["id"].(string)
		wantProblem(t, s.Do("POST", "/api/v1/notifications/"+note+"/read", o.m("olga").Access, nil), 404, "")
		if got := s.Must(200, "POST", "/api/v1/notifications/"+note+"/read", o.m("otto").Access, nil); got["read_at"] == nil {
			t.Errorf("read: %v", got)
		}
		if n := len(items(s.Must(200, "GET", "/api/v1/notifications?unread=true", o.m("otto").Access, nil))); n != 0 {
			t.Errorf("%d unread after reading", n)
		}
		random := s.Do("GET", "/api/v1/batches/"+randomID, other.owner.Access, nil)
		sameAsRandom(t, "another tenant's batch", s.Do("GET", "/api/v1/batches/"+batch["id"].(string), other.owner.Access, nil), random)
		body := map[string]any{"targets": []any{map[string]any{"label": "x"}}}
		sameAsRandom(t, "another tenant's flow", s.Do("POST", "/api/v1/flows/"+flow+"/batch-launch", other.owner.Access, body),
			s.Do("POST", "/api/v1/flows/"+randomID+"/batch-launch", other.owner.Access, body))
	})
	s.run(t, "atomic", func(t *testing.T, s flowsAPI) {
		o := s.office("ba", "olga:operator")
		other := s.office("ba2")
		flow := s.published(o.m("olga"), "Patch check", nil)
		foreign := s.Must(201, "POST", "/api/v1/target-lists", other.owner.Access, map[string]any{"name": "Theirs",
			"targets": []any{map[string]any{"label": "their-srv"}}})
		good := []any{map[string]any{"label": "srv-1"}, map[string]any{"label": "srv-2"}}
		for _, c := range []struct {
			name     string
			body     map[string]any
			status   int
			location string
		}{
			{"a bad target", map[string]any{"targets": append(good, map[string]any{"label": ""})}, 422, "body.targets[2].label"},
			{"no targets", map[string]any{}, 422, "body.targets"},
			{"an assignee who is no member", map[string]any{"targets": good, "assigned_to": other.owner.UserID}, 404, ""},
			{"another tenant's list", map[string]any{"target_list_id": foreign["id"]}, 404, ""},
		} {
			wantProblem(t, s.Do("POST", "/api/v1/flows/"+flow+"/batch-launch", o.m("olga").Access, c.body), c.status, c.location)
		}
		for _, table := range []string{"flow_batches", "flow_sessions", "flow_notifications"} {
			if n := s.Count(`SELECT count(*) FROM `+table+` WHERE tenant_id = $1`, o.owner.TenantID); n != 0 {
				t.Errorf("%s: %d rows after refused launches", table, n)
			}
		}
		// The collection create launches the same batch.
		b := s.Must(201, "POST", "/api/v1/batches", o.m("olga").Access, map[string]any{"flow_id": flow, "targets": good})
		if b["target_count"] != 2.0 || b["source"] != "manual" {
			t.Errorf("batch %v", b)
		}
	})
}

// TestSchedulesAPI: CRUD and validation; a schedule of a flow outside the caller's team is the 404
// of a random id, as is another tenant's; run-now fires a batch; the firing job's kind is in
// /metrics.
func TestSchedulesAPI(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	s.run(t, "crud", func(t *testing.T, s flowsAPI) {
		o := s.office("ms", "olga:operator*", "oscar:operator", "vera:viewer*")
		other := s.office("ms2")
		flow := s.published(o.m("olga"), "Patch check", map[string]any{"visibility": "team", "team_id": o.desk})
		body := map[string]any{"name": "Nightly", "flow_id": flow, "cron": "30 2 * * *", "timezone": "Europe/Berlin",
			"targets": []any{map[string]any{"label": "srv-1"}}, "assigned_to": o.m("vera").UserID, "catchup": "run_once"}
		r := s.Do("POST", "/api/v1/maintenance-schedules", o.m("olga").Access, body)
		if r.Status != 201 || !strings.HasPrefix(r.Header.Get("Location"), "/api/v1/maintenance-schedules/") {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		sc := r.JSON(t)
		id := sc["id"].(string)
		if sc["next_run_at"] == nil || !strings.Contains(sc["next_run_at"].(string), ":30:00") {
			t.Errorf("next_run_at %v", sc["next_run_at"])
		}
		s.Must(200, "GET", "/api/v1/maintenance-schedules/"+id, o.m("vera").Access, nil)
		// Oscar is not in the flow's team: the flow and its schedule do not exist for him.
		random := s.Do("GET", "/api/v1/maintenance-schedules/"+randomID, o.m("oscar").Access, nil)
		sameAsRandom(t, "a schedule of another team's flow", s.Do("GET", "/api/v1/maintenance-schedules/"+id, o.m("oscar").Access, nil), random)
		wantProblem(t, s.Do("POST", "/api/v1/maintenance-schedules", o.m("oscar").Access, body), 404, "")
		wantProblem(t, s.Do("POST", "/api/v1/maintenance-schedules/"+id+"/run-now", o.m("oscar").Access, nil), 404, "")
		if n := len(items(s.Must(200, "GET", "/api/v1/maintenance-schedules", o.m("oscar").Access, nil))); n != 0 {
			t.Errorf("oscar lists %d schedules", n)
		}
		sameAsRandom(t, "another tenant's schedule", s.Do("GET", "/api/v1/maintenance-schedules/"+id, other.owner.Access, nil),
			s.Do("GET", "/api/v1/maintenance-schedules/"+randomID, other.owner.Access, nil))
		body["enabled"], body["cron"] = false, "0 4 * * 1-5"
		if got := s.Must(200, "PUT", "/api/v1/maintenance-schedules/"+id, o.m("olga").Access, body); got["next_run_at"] != nil || got["cron"] != "0 4 * * 1-5" {
			t.Errorf("disabled: %v", got)
		}
		r = s.Do("POST", "/api/v1/maintenance-schedules/"+id+"/run-now", o.m("olga").Access, nil)
		if r.Status != 201 || r.JSON(t)["source"] != "schedule" || r.JSON(t)["schedule_id"] != id {
			t.Fatalf("run-now: %d %s", r.Status, r.Body)
		}
		if n := len(items(s.Must(200, "GET", "/api/v1/notifications", o.m("vera").Access, nil))); n != 1 {
			t.Errorf("the assignee has %d notifications, want 1", n)
		}
		s.Must(204, "DELETE", "/api/v1/maintenance-schedules/"+id, o.m("olga").Access, nil)
		wantProblem(t, s.Do("GET", "/api/v1/maintenance-schedules/"+id, o.m("olga").Access, nil), 404, "")
	})
	s.run(t, "validation", func(t *testing.T, s flowsAPI) {
		o := s.office("msv")
		other := s.office("msv2")
		flow := s.published(o.owner, "Patch check", nil)
		base := func(k string, v any) map[string]any {
			b := map[string]any{"name": "Nightly", "flow_id": flow, "cron": "30 2 * * *", "timezone": "Europe/Berlin",
				"targets": []any{map[string]any{"label": "srv-1"}}}
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
			return b
		}
		for _, c := range []struct {
			body     map[string]any
			status   int
			location string
		}{
			{base("cron", "30 2 * *"), 422, "body.cron"},
			{base("cron", "0 0 31 2 *"), 422, "body.cron"},
			{base("timezone", "Europe/Atlantis"), 422, "body.timezone"},
			{base("targets", nil), 422, "body.targets"},
			{base("target_list_id", randomID), 404, ""},
			{base("assigned_to", other.owner.UserID), 404, ""},
			{base("flow_id", randomID), 404, ""},
		} {
			wantProblem(t, s.Do("POST", "/api/v1/maintenance-schedules", o.owner.Access, c.body), c.status, c.location)
		}
		if n := s.Count(`SELECT count(*) FROM flow_maintenance_schedules WHERE tenant_id = $1`, o.owner.TenantID); n != 0 {
			t.Errorf("%d schedules after refused creates", n)
		}
	})
}

// TestScheduleJobMetrics: the running service's sweep is a River job whose kind /metrics counts.
func TestScheduleJobMetrics(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	apitest.WaitFor(t, "the schedule sweep in /metrics", func() bool {
		return strings.Contains(s.Metrics(), `kind="flows.schedule_sweep"`)
	})
}
