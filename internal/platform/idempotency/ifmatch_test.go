package idempotency_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestIfMatch: a PATCH with the ETag of the GET answers 200 and the new ETag (the GET's); with the
// old ETag it answers 412 problem+json and the row is unchanged (read in the database); * matches
// an existing object; a weak tag never matches; another tenant's object is 404, not 412; a DELETE
// takes If-Match too; without If-Match nothing changes.
func TestIfMatch(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ifmatch")
	site := s.Must(201, "POST", "/api/v1/sites", a.Access, map[string]any{"name": "Before", "timezone": "UTC"})["id"].(string)
	path := "/api/v1/sites/" + site
	get := s.Do("GET", path, a.Access, nil)
	old := get.Header.Get("ETag")
	if get.Status != 200 || old == "" {
		t.Fatalf("GET: %d %q", get.Status, old)
	}
	ok := s.Do("PATCH", path, a.Access, map[string]any{"name": "After"}, "If-Match", `"nope", `+old)
	if ok.Status != 200 {
		t.Fatalf("PATCH with the current ETag: %d %s", ok.Status, ok.Body)
	}
	fresh := s.Do("GET", path, a.Access, nil).Header.Get("ETag")
	if got := ok.Header.Get("ETag"); got == "" || got == old || got != fresh {
		t.Errorf("PATCH answered ETag %q; old %q, GET now %q", got, old, fresh)
	}
	stale := s.Do("PATCH", path, a.Access, map[string]any{"name": "Lost update"}, "If-Match", old)
	if stale.Status != http.StatusPreconditionFailed || stale.Header.Get("Content-Type") != "application/problem+json" ||
		stale.JSON(t)["kind"] != "precondition_failed" || stale.JSON(t)["status"] != 412.0 {
		t.Fatalf("PATCH with the old ETag: %d %s %s", stale.Status, stale.Header.Get("Content-Type"), stale.Body)
	}
	var name string
	s.SuperRow(`SELECT name FROM sites WHERE id = $1`, []any{site}, &name)
	if name != "After" {
		t.Errorf("after a 412 the name is %q, want After", name)
	}
	if r := s.Do("PATCH", path, a.Access, map[string]any{"name": "Weak"}, "If-Match", "W/"+fresh); r.Status != 412 {
		t.Errorf("a weak ETag: %d %s, want 412", r.Status, r.Body)
	}
	if r := s.Do("PATCH", path, a.Access, map[string]any{"name": "Star"}, "If-Match", "*"); r.Status != 200 || r.JSON(t)["name"] != "Star" {
		t.Errorf("If-Match *: %d %s", r.Status, r.Body)
	}
	if r := s.Do("PATCH", path, a.Access, map[string]any{"name": "Bad"}, "If-Match", "*"); r.Status != 200 {
		t.Errorf("If-Match * again: %d %s", r.Status, r.Body)
	}
	// A failed update under a matching If-Match changes nothing either.
	cur := s.Do("GET", path, a.Access, nil).Header.Get("ETag")
	if r := s.Do("PATCH", path, a.Access, map[string]any{"timezone": "Mars/Olympus"}, "If-Match", cur); r.Status != 422 {
		t.Errorf("an invalid update with If-Match: %d %s", r.Status, r.Body)
	}
	if now := s.Do("GET", path, a.Access, nil).Header.Get("ETag"); now != cur {
		t.Errorf("an invalid update changed the ETag")
	}
	other := s.Register("ifmatchother")
	for _, im := range []string{"*", cur, `"x"`} {
		if r := s.Do("PATCH", path, other.Access, map[string]any{"name": "Stolen"}, "If-Match", im); r.Status != 404 {
			t.Errorf("another tenant's site with If-Match %s: %d %s, want 404", im, r.Status, r.Body)
		}
	}
	if r := s.Do("PATCH", "/api/v1/sites/00000000-0000-4000-8000-000000000000", a.Access, map[string]any{"name": "X"}, "If-Match", "*"); r.Status != 404 {
		t.Errorf("an unknown site with If-Match *: %d %s, want 404", r.Status, r.Body)
	}
	if r := s.Do("DELETE", path, a.Access, nil, "If-Match", old); r.Status != 412 {
		t.Errorf("DELETE with the old ETag: %d %s", r.Status, r.Body)
	}
	if r := s.Do("DELETE", path, a.Access, nil, "If-Match", cur); r.Status/100 != 2 {
		t.Errorf("DELETE with the current ETag: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM sites WHERE id = $1 AND deleted_at IS NOT NULL`, site); n != 1 {
		t.Errorf("the site is not deleted after its DELETE")
	}
}

// TestConcurrentIfMatch: 10 concurrent PATCHes with one If-Match: exactly one is made (200), the
// others answer 412; the row holds the one's change. To widen the race, a superuser transaction
// holds the row's lock until a PATCH waits for it: without the object's lock every PATCH would
// have read the old ETag by then, and each would be made in turn.
func TestConcurrentIfMatch(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ifmatchrace")
	site := s.Must(201, "POST", "/api/v1/sites", a.Access, map[string]any{"name": "Race", "timezone": "UTC"})["id"].(string)
	path := "/api/v1/sites/" + site
	tag := s.Do("GET", path, a.Access, nil).Header.Get("ETag")
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, s.Env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	blocker, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.Exec(ctx, `SELECT 1 FROM sites WHERE id = $1 FOR UPDATE`, site); err != nil {
		t.Fatal(err)
	}
	const n = 10
	res := make([]apitest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res[i] = s.Do("PATCH", path, a.Access, map[string]any{"name": "Winner " + string(rune('A'+i))}, "If-Match", tag)
		})
	}
	apitest.WaitFor(t, "a PATCH waiting for the row", func() bool {
		return s.Count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0
	})
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	var won []string
	for _, r := range res {
		switch r.Status {
		case 200:
			won = append(won, r.JSON(t)["name"].(string))
		case 412:
		default:
			t.Errorf("a concurrent PATCH answered %d %s", r.Status, r.Body)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d PATCHes made, want 1", len(won))
	}
	var name string
	s.SuperRow(`SELECT name FROM sites WHERE id = $1`, []any{site}, &name)
	if name != won[0] {
		t.Errorf("the row holds %q, the winner answered %q", name, won[0])
	}
}

// TestEveryUpdateTakesIfMatch: each PATCH, PUT and DELETE of one object that a GET at the same
// path reads declares If-Match and 412; on those of a table of objects, a wrong If-Match answers
// 412 and the object (its GET) is unchanged, and the current one is obeyed.
func TestEveryUpdateTakesIfMatch(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ifmatchall")
	r := s.Do("GET", "/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
			Responses  map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	declared := 0
	for p, item := range doc.Paths {
		_, hasGet := item["get"]
		for _, m := range []string{"patch", "put", "delete"} {
			op, ok := item[m]
			if !ok || p[len(p)-1] != '}' {
				continue
			}
			takes := false
			for _, prm := range op.Parameters {
				takes = takes || (prm.In == "header" && prm.Name == "If-Match")
			}
			_, has412 := op.Responses["412"]
			if takes != hasGet || has412 != hasGet {
				t.Errorf("%s %s: If-Match declared %v, 412 %v; a GET at its path: %v", m, p, takes, has412, hasGet)
			}
			if takes {
				declared++
			}
		}
	}
	if declared < 20 {
		t.Errorf("%d operations take If-Match, want every update of an object with a GET", declared)
	}
	site := s.Must(201, "POST", "/api/v1/sites", a.Access, map[string]any{"name": "All", "timezone": "UTC"})["id"].(string)
	space := s.Must(201, "POST", "/api/v1/spaces", a.Access, map[string]any{"site_id": site, "code": "A1"})["id"].(string)
	team := s.Must(201, "POST", "/api/v1/teams", a.Access, map[string]any{"name": "Desk"})["id"].(string)
	tag := s.Must(201, "POST", "/api/v1/flow-tags", a.Access, map[string]any{"name": "hq"})["id"].(string)
	category := s.Must(201, "POST", "/api/v1/flow-categories", a.Access, map[string]any{"name": "Internal", "sort": 15})["id"].(string)
	flow := s.Must(201, "POST", "/api/v1/flows", a.Access, map[string]any{"kind": "troubleshooting", "title": "Printer",
		"graph": map[string]any{"nodes": []any{map[string]any{"id": "done", "type": "resolution", "title": "Fixed", "outcome": "resolved", "start": true}}}})["id"].(string)
	hook := s.Must(201, "POST", "/api/v1/webhook-endpoints", a.Access,
		map[string]any{"url": "https://hooks.example.com/hook", "description": "receiver", "event_types": []string{"audit.event"}})["id"].(string)
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/sites/" + site, map[string]any{"name": "Renamed"}},
		{"/api/v1/spaces/" + space, map[string]any{"code": "B2"}},
		{"/api/v1/teams/" + team, map[string]any{"name": "Backline"}},
		{"/api/v1/flow-tags/" + tag, map[string]any{"name": "branch"}},
		{"/api/v1/flow-categories/" + category, map[string]any{"name": "External"}},
		{"/api/v1/flows/" + flow, map[string]any{"title": "Scanner"}},
		{"/api/v1/webhook-endpoints/" + hook, map[string]any{"description": "renamed"}},
	} {
		before := s.Do("GET", c.path, a.Access, nil)
		if r := s.Do("PATCH", c.path, a.Access, c.body, "If-Match", `"stale"`); r.Status != 412 {
			t.Errorf("PATCH %s with a wrong If-Match: %d %s", c.path, r.Status, r.Body)
		}
		if after := s.Do("GET", c.path, a.Access, nil); string(after.Body) != string(before.Body) {
			t.Errorf("PATCH %s with a wrong If-Match changed it: %s", c.path, after.Body)
		}
		if r := s.Do("PATCH", c.path, a.Access, c.body, "If-Match", before.Header.Get("ETag")); r.Status != 200 || r.Header.Get("ETag") == "" {
			t.Errorf("PATCH %s with its ETag: %d %q %s", c.path, r.Status, r.Header.Get("ETag"), r.Body)
		}
	}
}
