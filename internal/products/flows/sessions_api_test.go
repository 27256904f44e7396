package flows_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAPISessions drives technician sessions through HTTP: the pinned snapshot, decisions checked
// against it, logic and variables, custom steps and the other fields, prepared and assigned
// sessions, and the exports.
func TestAPISessions(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	s.run(t, "PinnedSnapshot", testSessionPinned)
	s.run(t, "LogicAndVariables", testSessionLogic)
	s.run(t, "FieldsAndEnd", testSessionFields)
	s.run(t, "PrepareAndAssign", testSessionPrepare)
	s.run(t, "Exports", testSessionExports)
}

// sessionGET reads a session of a.
func (s flowsAPI) sessionGET(a apitest.Account, id string) map[string]any {
	s.T.Helper()
	return s.Must(200, "GET", "/api/v1/sessions/"+id, a.Access, nil)
}

// pathOf returns the node ids of a session's path.
func pathOf(session map[string]any) []string {
	var out []string
	for _, p := range session["path"].([]any) {
		out = append(out, p.(map[string]any)["node_id"].(string))
	}
	return out
}

// currentNode returns the id of a session's current node ("" for none).
func currentNode(session map[string]any) string {
	n, _ := session["current_node"].(map[string]any)
	id, _ := n["id"].(string)
	return id
}

// testSessionPinned: a session keeps the version it started on when the flow is published again;
// a decision is checked against that snapshot, and a refused one changes nothing.
func testSessionPinned(t *testing.T, s flowsAPI) {
	a := s.Register("sp")
	flow := s.published(a, "v1", nil)
	old := s.session(a, flow)["id"].(string)
	v2 := simpleGraph("v2")
	start := v2["nodes"].([]any)[0].(node)
	start["options"] = append(start["options"].([]any), map[string]any{"id": "maybe", "label": "Maybe", "next": "done"})
	s.Must(200, "PUT", "/api/v1/flows/"+flow+"/draft", a.Access, map[string]any{"graph": v2})
	s.Must(201, "POST", "/api/v1/flows/"+flow+"/publish", a.Access, nil)
	before := s.Do("GET", "/api/v1/sessions/"+old, a.Access, nil)
	pinned := before.JSON(t)
	if pinned["flow_version"] != 1.0 || pinned["current_node"].(map[string]any)["title"] != "v1: does it start?" {
		t.Errorf("the old session after v2: %v", pinned)
	}
	r := s.Do("POST", "/api/v1/sessions/"+old+"/decisions", a.Access, map[string]any{"option_id": "maybe"})
	wantProblem(t, r, http.StatusUnprocessableEntity, "body.option_id", `node "start" has no option "maybe"`)
	if after := s.Do("GET", "/api/v1/sessions/"+old, a.Access, nil); string(after.Body) != string(before.Body) {
		t.Errorf("a refused decision changed the session:\n%s\n%s", before.Body, after.Body)
	}
	fresh := s.session(a, flow)
	if fresh["flow_version"] != 2.0 {
		t.Errorf("a new session is on version %v, want 2", fresh["flow_version"])
	}
	if done := s.decide(a, fresh["id"].(string), "maybe"); done["status"] != "completed" || done["outcome"] != "resolved" {
		t.Errorf("the new option on v2: %v", done)
	}
	s.decide(a, old, "no")
	if end := s.decide(a, old, "next"); end["status"] != "completed" || !slices.Equal(pathOf(end), []string{"start", "fix", "done"}) {
		t.Errorf("the old session's walk: %v", end)
	}
	wantProblem(t, s.Do("POST", "/api/v1/sessions/"+old+"/decisions", a.Access, map[string]any{"option_id": "yes"}), http.StatusConflict, "")
}

// logicGraph asks for the Office version and routes on it: 16 and above to a question, below to
// an escalation.
func logicGraph() graphJSON {
	return graphJSON{"nodes": []any{
		node{"id": "ask", "type": "input", "title": "Which Office?", "start": true, "next": "route",
			"fields": []any{map[string]any{"name": "version", "label": "Office version", "type": "number", "required": true}}},
		node{"id": "route", "type": "logic", "title": "Route on the version", "default": "legacy",
			"rules": []any{map[string]any{"variable": "version", "op": "ge", "value": 16, "next": "modern"}}},
		node{"id": "modern", "type": "question", "title": "Click-to-run?", "options": []any{
			map[string]any{"id": "yes", "label": "Yes", "next": "done"}, map[string]any{"id": "no", "label": "No", "next": "legacy"}}},
		node{"id": "legacy", "type": "resolution", "title": "Escalate", "outcome": "escalated"},
		node{"id": "done", "type": "resolution", "title": "Fixed", "outcome": "resolved"},
	}}
}

// testSessionLogic: variables are checked against the snapshot's input definitions; logic nodes
// route on them; back undoes a decision.
func testSessionLogic(t *testing.T, s flowsAPI) {
	a := s.Register("sl")
	flow := s.published(a, "Office", map[string]any{"graph": logicGraph()})
	sessions := `SELECT count(*) FROM flow_sessions WHERE tenant_id = $1`
	wantProblem(t, s.Do("POST", "/api/v1/sessions", a.Access, map[string]any{"flow_id": flow, "variables": map[string]any{"version": "new"}}),
		http.StatusUnprocessableEntity, "body.variables.version")
	if n := s.Count(sessions, a.TenantID); n != 0 {
		t.Errorf("%d sessions after a refused start", n)
	}
	sess := s.session(a, flow)
	id := sess["id"].(string)
	if currentNode(sess) != "ask" || len(sess["variable_definitions"].([]any)) != 1 {
		t.Errorf("started: %v", sess)
	}
	before := s.Do("GET", "/api/v1/sessions/"+id, a.Access, nil)
	wantProblem(t, s.Do("POST", "/api/v1/sessions/"+id+"/decisions", a.Access, map[string]any{"option_id": "next"}),
		http.StatusUnprocessableEntity, "body.variables.version", "required")
	for _, bad := range []map[string]any{{"version": "sixteen"}, {"nope": 1}} {
		for name := range bad {
			wantProblem(t, s.Do("PATCH", "/api/v1/sessions/"+id+"/variables", a.Access, map[string]any{"values": bad}),
				http.StatusUnprocessableEntity, "body.values."+name)
		}
	}
	if after := s.Do("GET", "/api/v1/sessions/"+id, a.Access, nil); string(after.Body) != string(before.Body) {
		t.Errorf("refused requests changed the session:\n%s\n%s", before.Body, after.Body)
	}
	s.Must(200, "PATCH", "/api/v1/sessions/"+id+"/variables", a.Access, map[string]any{"values": map[string]any{"version": 16}})
	modern := s.decide(a, id, "next")
	if currentNode(modern) != "modern" || !slices.Equal(pathOf(modern), []string{"ask", "route", "modern"}) {
		t.Errorf("version 16: %v", modern)
	}
	if back := s.Must(200, "POST", "/api/v1/sessions/"+id+"/back", a.Access, nil); currentNode(back) != "ask" || len(back["decisions"].([]any)) != 0 {
		t.Errorf("back: %v", back)
	}
	s.Must(200, "PATCH", "/api/v1/sessions/"+id+"/variables", a.Access, map[string]any{"values": map[string]any{"version": 12}})
	legacy := s.decide(a, id, "next")
	if currentNode(legacy) != "legacy" || legacy["status"] != "completed" || legacy["outcome"] != "escalated" ||
		legacy["variables"].(map[string]any)["version"] != 12.0 {
		t.Errorf("version 12: %v", legacy)
	}
	wantProblem(t, s.Do("POST", "/api/v1/sessions/"+id+"/back", a.Access, nil), http.StatusConflict, "")
	preset := s.Must(201, "POST", "/api/v1/sessions", a.Access, map[string]any{"flow_id": flow, "variables": map[string]any{"version": 20}})
	if next := s.decide(a, preset["id"].(string), "next"); currentNode(next) != "modern" {
		t.Errorf("a session started with version 20: %v", next)
	}
}

// testSessionFields: ticket and client, scratchpad, custom steps (added, changed, removed),
// completion with an outcome and abandonment; an ended session takes no more changes; every
// change is audited.
func testSessionFields(t *testing.T, s flowsAPI) {
	a := s.Register("sf")
	flow := s.published(a, "Fields", nil)
	sess := s.Must(201, "POST", "/api/v1/sessions", a.Access, map[string]any{"flow_id": flow, "ticket_number": " T-100 ", "client_name": "Acme"})
	id := sess["id"].(string)
	if sess["ticket_number"] != "T-100" || sess["client_name"] != "Acme" || sess["status"] != "active" {
		t.Errorf("created: %v", sess)
	}
	url := "/api/v1/sessions/" + id
	if got := s.Must(200, "PATCH", url, a.Access, map[string]any{"ticket_number": "T-101"}); got["ticket_number"] != "T-101" || got["client_name"] != "Acme" {
		t.Errorf("ticket changed: %v", got)
	}
	s.Must(200, "PUT", url+"/scratchpad", a.Access, map[string]any{"text": "user says it worked yesterday"})
	first := s.Must(200, "POST", url+"/custom-steps", a.Access, map[string]any{"title": "Checked the cable", "content": "Cat6"})
	step := first["custom_steps"].([]any)[0].(map[string]any)
	if step["after_node_id"] != "start" || step["source"] != "adhoc" {
		t.Errorf("custom step: %v", step)
	}
	stepURL := url + "/custom-steps/" + step["id"].(string)
	if got := s.Must(200, "PATCH", stepURL, a.Access, map[string]any{"result": "fine"}); got["custom_steps"].([]any)[0].(map[string]any)["result"] != "fine" {
		t.Errorf("custom step changed: %v", got["custom_steps"])
	}
	s.Must(200, "POST", url+"/custom-steps", a.Access, map[string]any{"title": "Rebooted", "after_node_id": "fix"})
	wantProblem(t, s.Do("POST", url+"/custom-steps", a.Access, map[string]any{"title": "x", "after_node_id": "nowhere"}),
		http.StatusUnprocessableEntity, "body.after_node_id")
	if r := s.Do("PATCH", url+"/custom-steps/"+uuid.NewString(), a.Access, map[string]any{"result": "x"}); r.Status != http.StatusNotFound {
		t.Errorf("an unknown custom step: %d", r.Status)
	}
	left := s.Must(200, "DELETE", stepURL, a.Access, nil)["custom_steps"].([]any)
	if len(left) != 1 || left[0].(map[string]any)["title"] != "Rebooted" {
		t.Errorf("after the removal: %v", left)
	}
	done := s.Must(200, "POST", url+"/complete", a.Access, map[string]any{"outcome": "escalated"})
	if done["status"] != "completed" || done["outcome"] != "escalated" || done["completed_at"] == nil || done["scratchpad"] != "user says it worked yesterday" {
		t.Errorf("completed: %v", done)
	}
	for _, c := range []struct {
		method, path string
		body         any
	}{{"PUT", url + "/scratchpad", map[string]any{"text": "x"}}, {"POST", url + "/decisions", map[string]any{"option_id": "yes"}},
		{"POST", url + "/custom-steps", map[string]any{"title": "x"}}, {"POST", url + "/complete", map[string]any{"outcome": "resolved"}},
		{"POST", url + "/abandon", nil}} {
		wantProblem(t, s.Do(c.method, c.path, a.Access, c.body), http.StatusConflict, "")
	}
	wantProblem(t, s.Do("POST", url+"/complete", a.Access, map[string]any{"outcome": "fixed"}), http.StatusUnprocessableEntity, "body.outcome")
	other := s.session(a, flow)["id"].(string)
	if got := s.Must(200, "POST", "/api/v1/sessions/"+other+"/abandon", a.Access, nil); got["status"] != "abandoned" || got["abandoned_at"] == nil {
		t.Errorf("abandoned: %v", got)
	}
	for action, want := range map[string]int{"session.create": 2, "session.update": 1, "session.scratchpad": 1,
		"session.custom_step_add": 2, "session.custom_step_update": 1, "session.custom_step_delete": 1,
		"session.complete": 1, "session.abandon": 1} {
		if n := s.auditCount(a.TenantID, action); n != want {
			t.Errorf("%s: %d audit rows, want %d", action, n, want)
		}
	}
}

// testSessionPrepare: a prepared session assigned to a member is theirs to read, start and work;
// a third member, an admin included, gets a random id's 404; the assignee must be a member.
func testSessionPrepare(t *testing.T, s flowsAPI) {
	o := s.office("sa", "olga:operator", "otto:operator", "oscar:operator")
	olga, otto, oscar := o.m("olga"), o.m("otto"), o.m("oscar")
	flow := s.published(olga, "Assigned", map[string]any{"visibility": "account"})
	prepared := s.Must(201, "POST", "/api/v1/sessions/prepare", olga.Access, map[string]any{"flow_id": flow, "assigned_to": otto.UserID,
		"ticket_number": "T-7"})
	id := prepared["id"].(string)
	if prepared["status"] != "prepared" || prepared["assigned_to"] != otto.UserID || prepared["current_node"] != nil {
		t.Errorf("prepared: %v", prepared)
	}
	mine := s.session(olga, flow)["id"].(string)
	s.sessionGET(otto, id)
	for _, who := range []apitest.Account{oscar, o.owner} {
		sameAsRandom(t, who.Email+" reading the assigned session", s.Do("GET", "/api/v1/sessions/"+id, who.Access, nil),
			s.Do("GET", "/api/v1/sessions/"+uuid.NewString(), who.Access, nil))
	}
	lists := []struct {
		who   apitest.Account
		query string
		want  []string
	}{
		{otto, "", []string{id}}, {otto, "?scope=assigned", []string{id}}, {otto, "?scope=mine", nil},
		{olga, "", []string{id, mine}}, {olga, "?scope=mine", []string{id, mine}}, {olga, "?scope=assigned", nil},
		{olga, "?status=prepared", []string{id}}, {oscar, "", nil},
	}
	for _, l := range lists {
		if got := field(items(s.Must(200, "GET", "/api/v1/sessions"+l.query, l.who.Access, nil)), "id"); !sameSet(got, l.want) {
			t.Errorf("%s lists %s: %v, want %v", l.who.Email, l.query, got, l.want)
		}
	}
	wantProblem(t, s.Do("POST", "/api/v1/sessions/"+id+"/decisions", otto.Access, map[string]any{"option_id": "yes"}), http.StatusConflict, "")
	if started := s.Must(200, "POST", "/api/v1/sessions/"+id+"/start", otto.Access, nil); started["status"] != "active" || currentNode(started) != "start" {
		t.Errorf("started by the assignee: %v", started)
	}
	if done := s.decide(otto, id, "yes"); done["status"] != "completed" {
		t.Errorf("worked by the assignee: %v", done)
	}
	if got := s.sessionGET(olga, id); got["status"] != "completed" {
		t.Errorf("the owner's view: %v", got)
	}
	stranger := s.Register("sa-stranger")
	body := func(user string) map[string]any { return map[string]any{"flow_id": flow, "assigned_to": user} }
	sameAsRandom(t, "assigning to a user of another tenant", s.Do("POST", "/api/v1/sessions/prepare", olga.Access, body(stranger.UserID)),
		s.Do("POST", "/api/v1/sessions/prepare", olga.Access, body(uuid.NewString())))
	if n := s.auditCount(o.owner.TenantID, "session.prepare"); n != 1 {
		t.Errorf("%d preparations audited, want 1", n)
	}
}

// canary is markup that must come out inert in every export.
const canary = "<script>alert(1)</script>"

// testSessionExports: Markdown, text and HTML downloads of a session; a canary in a node title,
// a note and a custom step is text in Markdown and plain text, escaped in HTML.
func testSessionExports(t *testing.T, s flowsAPI) {
	a := s.Register("se")
	g := simpleGraph("Printer")
	g["nodes"].([]any)[0].(node)["title"] = "Is it on? " + canary
	flow := s.published(a, "Printer", map[string]any{"graph": g})
	sess := s.Must(201, "POST", "/api/v1/sessions", a.Access, map[string]any{"flow_id": flow, "ticket_number": "T-42"})
	id := sess["id"].(string)
	s.Must(200, "POST", "/api/v1/sessions/"+id+"/decisions", a.Access, map[string]any{"option_id": "no", "note": "note " + canary})
	s.Must(200, "POST", "/api/v1/sessions/"+id+"/custom-steps", a.Access, map[string]any{"title": "step " + canary, "content": canary})
	s.decide(a, id, "next")
	escaped := "&lt;script&gt;alert(1)&lt;/script&gt;"
	for _, c := range []struct {
		format, contentType string
		contains            []string
		raw                 bool // the canary is kept verbatim (plain text only)
	}{
		{"md", "text/markdown; charset=utf-8", []string{"T-42", "Duration", "Is it on? " + escaped, "note " + escaped, "step " + escaped}, false},
		{"txt", "text/plain; charset=utf-8", []string{"T-42", "Duration", "Is it on? " + canary, "note " + canary, "step " + canary}, true},
		{"html", "text/html; charset=utf-8", []string{"T-42", "Duration", "Is it on? " + escaped, "note " + escaped, "step " + escaped}, false},
	} {
		r := s.Do("GET", "/api/v1/sessions/"+id+"/export?format="+c.format, a.Access, nil)
		body := string(r.Body)
		if r.Status != 200 || r.Header.Get("Content-Type") != c.contentType || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") ||
			!strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: %d %v", c.format, r.Status, r.Header)
		}
		for _, want := range c.contains {
			if !strings.Contains(body, want) {
				t.Errorf("%s export lacks %q:\n%s", c.format, want, body)
			}
		}
		if !c.raw && strings.Contains(strings.ToLower(body), "<script") {
			t.Errorf("%s export carries a live <script>:\n%s", c.format, body)
		}
	}
	wantProblem(t, s.Do("GET", "/api/v1/sessions/"+id+"/export?format=pdf", a.Access, nil), http.StatusUnprocessableEntity, "")
}
