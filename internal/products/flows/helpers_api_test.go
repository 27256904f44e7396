package flows_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// flowsAPI is the assembled service shared by the subtests of one test (apitest.Server.For), with
// the flows helpers below. Every subtest registers tenants of its own.
type flowsAPI struct {
	*apitest.Server
	mail *apitest.Mailer // delivers invitations, for members
}

// startFlowsAPI starts the service (with o) for the subtests of t.
func startFlowsAPI(t *testing.T, o apitest.Options) flowsAPI {
	s := apitest.StartWith(t, o)
	return flowsAPI{Server: s, mail: s.Mailer()}
}

// run runs f as a parallel subtest of t, on the shared server (apitest.Server.Run).
func (s flowsAPI) run(t *testing.T, name string, f func(t *testing.T, s flowsAPI)) {
	s.Server.Run(t, name, func(t *testing.T, view *apitest.Server) { f(t, flowsAPI{Server: view, mail: s.mail}) })
}

// office is a tenant of the flows tests: its owner, members by name, and the team "Desk".
type office struct {
	owner   apitest.Account
	members map[string]apitest.Account
	desk    string // the id of team Desk, whose members are those named with an asterisk
}

// office registers a tenant owned by prefix+"-owner" with members given as "name:role", and
// "name:role*" for a member of team Desk (the team exists only if someone is in it).
func (s flowsAPI) office(prefix string, members ...string) office {
	s.T.Helper()
	o := office{owner: s.Register(prefix + "-owner"), members: map[string]apitest.Account{}}
	var desk []string
	for _, m := range members {
		name, role, _ := strings.Cut(m, ":")
		inDesk := strings.HasSuffix(role, "*")
		a := s.AddMember(s.mail, o.owner, prefix+"-"+name, strings.TrimSuffix(role, "*"))
		o.members[name] = a
		if inDesk {
			desk = append(desk, a.UserID)
		}
	}
	if len(desk) > 0 {
		o.desk = s.team(o.owner, "Desk", desk...)
	}
	return o
}

// m returns the member named name.
func (o office) m(name string) apitest.Account {
	a, ok := o.members[name]
	if !ok {
		panic("no member " + name)
	}
	return a
}

// team creates a team of owner's tenant with the given users.
func (s flowsAPI) team(owner apitest.Account, name string, users ...string) string {
	s.T.Helper()
	id := s.Must(201, "POST", "/api/v1/teams", owner.Access, map[string]any{"name": name})["id"].(string)
	for _, u := range users {
		s.Must(201, "POST", "/api/v1/teams/"+id+"/members", owner.Access, map[string]any{"user_id": u})
	}
	return id
}

// graphJSON is a graph as the API takes it.
type graphJSON = map[string]any

// node is one node of a graphJSON.
type node = map[string]any

// simpleGraph is a small publishable graph: start → (yes: done | no: fix → done). The titles are
// prefixed with title, so that versions and flows can be told apart.
func simpleGraph(title string) graphJSON {
	return graphJSON{"nodes": []any{
		node{"id": "start", "type": "question", "title": title + ": does it start?", "start": true, "options": []any{
			map[string]any{"id": "yes", "label": "Yes", "next": "done"}, map[string]any{"id": "no", "label": "No", "next": "fix"}}},
		node{"id": "fix", "type": "instruction", "title": "Restart in safe mode", "command": "outlook.exe /safe", "next": "done"},
		node{"id": "done", "type": "resolution", "title": "Fixed", "outcome": "resolved"},
	}}
}

// flow creates a flow as a (kind troubleshooting, the given title, private unless fields say
// otherwise) and returns it; fields are added to the body.
func (s flowsAPI) flow(a apitest.Account, title string, fields map[string]any) map[string]any {
	s.T.Helper()
	body := map[string]any{"kind": "troubleshooting", "title": title}
	for k, v := range fields {
		body[k] = v
	}
	return s.Must(201, "POST", "/api/v1/flows", a.Access, body)
}

// published creates a flow with simpleGraph(title) and publishes it; it returns the flow's id.
func (s flowsAPI) published(a apitest.Account, title string, fields map[string]any) string {
	s.T.Helper()
	if fields == nil {
		fields = map[string]any{}
	}
	if _, ok := fields["graph"]; !ok {
		fields["graph"] = simpleGraph(title)
	}
	id := s.flow(a, title, fields)["id"].(string)
	s.Must(201, "POST", "/api/v1/flows/"+id+"/publish", a.Access, nil)
	return id
}

// session starts a session of a on a flow and returns it.
func (s flowsAPI) session(a apitest.Account, flow string) map[string]any {
	s.T.Helper()
	return s.Must(201, "POST", "/api/v1/sessions", a.Access, map[string]any{"flow_id": flow})
}

// decide takes option at the session's current node and returns the session.
func (s flowsAPI) decide(a apitest.Account, session, option string) map[string]any {
	s.T.Helper()
	return s.Must(200, "POST", "/api/v1/sessions/"+session+"/decisions", a.Access, map[string]any{"option_id": option})
}

// items returns a list response's items.
func items(body map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// field returns one field of every item, as strings.
func field(list []map[string]any, name string) []string {
	out := make([]string, len(list))
	for i, it := range list {
		out[i] = fmt.Sprint(it[name])
	}
	return out
}

// pages follows a list's cursors with pages of size limit and returns every item, failing on a
// page larger than limit or when there are more than 50 pages.
func (s flowsAPI) pages(a apitest.Account, path string, limit int) []map[string]any {
	s.T.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []map[string]any
	cursor := ""
	for range 50 {
		body := s.Must(200, "GET", fmt.Sprintf("%s%slimit=%d&cursor=%s", path, sep, limit, cursor), a.Access, nil)
		page := items(body)
		if len(page) > limit {
			s.T.Fatalf("%s: a page of %d items with limit %d", path, len(page), limit)
		}
		out = append(out, page...)
		if cursor, _ = body["next_cursor"].(string); cursor == "" {
			return out
		}
	}
	s.T.Fatalf("%s: more than 50 pages", path)
	return nil
}

// wantProblem fails unless r is a problem+json with status, and, when location is given, with a
// field error at location whose message contains each of want; it returns the problem.
func wantProblem(t *testing.T, r apitest.Response, status int, location string, want ...string) map[string]any {
	t.Helper()
	if r.Status != status || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("want a %d problem, got %d %s %s", status, r.Status, r.Header.Get("Content-Type"), r.Body)
		return nil
	}
	var p map[string]any
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, r.Body)
	}
	if location == "" {
		return p
	}
	errors, _ := p["errors"].([]any)
	for _, e := range errors {
		fe := e.(map[string]any)
		msg, _ := fe["message"].(string)
		if fe["location"] == location && !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(msg, w) }) {
			return p
		}
	}
	t.Errorf("want a field error at %s saying %q, got %s", location, want, r.Body)
	return p
}

// sameAsRandom fails unless theirs is a 404 indistinguishable from random's (apitest.Fingerprint).
func sameAsRandom(t *testing.T, what string, theirs, random apitest.Response) {
	t.Helper()
	if theirs.Status != http.StatusNotFound || theirs.Fingerprint() != random.Fingerprint() {
		t.Errorf("%s:\n%s\nwith a random id:\n%s", what, theirs.Fingerprint(), random.Fingerprint())
	}
}

// auditCount counts the audit rows of a tenant with one action.
func (s flowsAPI) auditCount(tenant, action string) int {
	s.T.Helper()
	return s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = $2`, tenant, action)
}
