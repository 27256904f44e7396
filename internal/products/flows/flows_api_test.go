package flows_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAPIFlows drives flows, drafts, versions, visibility, forks and the flow list through HTTP,
// on one server shared by parallel subtests with tenants of their own.
func TestAPIFlows(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	s.run(t, "CreateRefusesBadInput", testCreateRefusesBadInput)
	s.run(t, "PublishNamesTheNode", testPublishNamesTheNode)
	s.run(t, "SubflowCycle", testSubflowCycle)
	s.run(t, "DraftsAndVersions", testDraftsAndVersions)
	s.run(t, "Visibility", testVisibility)
	s.run(t, "Fork", testFork)
	s.run(t, "SoftDelete", testSoftDelete)
	s.run(t, "ListSearchFiltersPages", testListFlows)
}

// testCreateRefusesBadInput: every refused creation is a 422 problem naming the field, and no
// flow, tag link or audit row is written.
func testCreateRefusesBadInput(t *testing.T, s flowsAPI) {
	a, b := s.Register("fc-a"), s.Register("fc-b")
	theirTeam := s.team(b, "Their desk", b.UserID)
	theirTag := s.Must(201, "POST", "/api/v1/flow-tags", b.Access, map[string]any{"name": "theirs"})["id"].(string)
	ok := map[string]any{"kind": "troubleshooting", "title": "Outlook"}
	with := func(k string, v any) map[string]any {
		body := map[string]any{}
		for key, val := range ok {
			body[key] = val
		}
		body[k] = v
		return body
	}
	cases := []struct {
		body     map[string]any
		location string
	}{
		{with("kind", "nope"), "body.kind"},
		{with("title", ""), "body.title"},
		{with("title", "   "), "body.title"},
		{with("title", strings.Repeat("x", 201)), "body.title"},
		{with("category_id", uuid.NewString()), "body.category_id"},
		{with("tags", []string{globalWindows.String(), uuid.NewString()}), "body.tags[1]"},
		{with("tags", []string{theirTag}), "body.tags[0]"},
		{with("tags", []string{globalWindows.String(), globalWindows.String()}), "body.tags[1]"},
		{with("visibility", "team"), "body.team_id"},
		{with("team_id", theirTeam), "body.team_id"},
		{map[string]any{"kind": "troubleshooting", "title": "x", "visibility": "team", "team_id": theirTeam}, "body.team_id"},
		{with("visibility", "everyone"), "body.visibility"},
	}
	const written = `SELECT (SELECT count(*) FROM flows WHERE tenant_id = $1) * 1000
		+ (SELECT count(*) FROM flow_global_tag_links WHERE tenant_id = $1) * 10
		+ (SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action LIKE 'flow.%')`
	before := s.Count(written, a.TenantID)
	for _, c := range cases {
		wantProblem(t, s.Do("POST", "/api/v1/flows", a.Access, c.body), http.StatusUnprocessableEntity, c.location)
	}
	if after := s.Count(written, a.TenantID); after != before {
		t.Errorf("refused creations changed the database: %d -> %d", before, after)
	}
	created := s.flow(a, "  Outlook  ", map[string]any{"tags": []string{globalWindows.String()}, "category_id": globalEmail.String()})
	if created["title"] != "Outlook" || created["visibility"] != "private" || created["author_id"] != a.UserID || created["can_edit"] != true {
		t.Errorf("created: %v", created)
	}
	if s.auditCount(a.TenantID, "flow.create") != 1 {
		t.Error("the creation is not audited")
	}
}

// testPublishNamesTheNode: a draft is stored as it is, with its problems; publishing an invalid
// one is a 422 whose field errors name the node at fault, and stores no version.
func testPublishNamesTheNode(t *testing.T, s flowsAPI) {
	a := s.Register("fp")
	withNodes := func(edit func(nodes []any) []any) graphJSON {
		g := simpleGraph("bad")
		g["nodes"] = edit(g["nodes"].([]any))
		return g
	}
	chain := make([]any, 0, 2001)
	for i := range 2000 {
		n := node{"id": fmt.Sprintf("n%d", i), "type": "instruction", "title": "Step", "next": fmt.Sprintf("n%d", i+1)}
		if i == 0 {
			n["start"] = true
		}
		chain = append(chain, n)
	}
	chain = append(chain, node{"id": "n2000", "type": "resolution", "title": "Done", "outcome": "resolved"})
	cases := []struct {
		name     string
		graph    graphJSON
		location string
		want     []string
	}{
		{"unknown edge target", withNodes(func(ns []any) []any {
			ns[0].(node)["options"].([]any)[1].(map[string]any)["next"] = "nowhere"
			return ns
		}), "body.graph.nodes[0].options[1].next", []string{`node "start"`, `"nowhere"`}},
		{"no start node", withNodes(func(ns []any) []any { delete(ns[0].(node), "start"); return ns }),
			"body.graph.nodes", []string{"no start node"}},
		{"two start nodes", withNodes(func(ns []any) []any { ns[1].(node)["start"] = true; return ns }),
			"body.graph.nodes[1].start", []string{`node "fix"`, "several start nodes"}},
		{"unreachable node", withNodes(func(ns []any) []any {
			return append(ns, node{"id": "orphan", "type": "instruction", "title": "Never shown", "next": "done"})
		}), "body.graph.nodes[3]", []string{`node "orphan"`, "not reachable"}},
		{"no reachable resolution", withNodes(func(ns []any) []any {
			ns[0].(node)["options"].([]any)[0].(map[string]any)["next"] = "fix"
			ns[1].(node)["next"] = "loop"
			return append(ns, node{"id": "loop", "type": "instruction", "title": "Again", "next": "fix"})
		}), "body.graph.nodes", []string{"no resolution node is reachable", `"start"`}},
		{"a loop without exit", withNodes(func(ns []any) []any {
			options := ns[0].(node)["options"].([]any)
			ns[0].(node)["options"] = append(options, map[string]any{"id": "maybe", "label": "Maybe", "next": "loop"})
			return append(ns, node{"id": "loop", "type": "instruction", "title": "Again", "next": "loop"})
		}), "body.graph.nodes[3]", []string{`node "loop"`, "no resolution can be reached"}},
		{"more than 2,000 nodes", graphJSON{"nodes": chain}, "body.graph.nodes", []string{"2001 nodes", "at most 2000"}},
	}
	for _, c := range cases {
		f := s.flow(a, c.name, map[string]any{"graph": c.graph})
		id := f["id"].(string)
		if draft := s.Must(200, "GET", "/api/v1/flows/"+id+"/draft", a.Access, nil); len(draft["problems"].([]any)) == 0 {
			t.Errorf("%s: the stored draft has no problems", c.name)
		}
		r := s.Do("POST", "/api/v1/flows/"+id+"/publish", a.Access, nil)
		if p := wantProblem(t, r, http.StatusUnprocessableEntity, c.location, c.want...); p == nil {
			t.Errorf("%s: publication answered %d", c.name, r.Status)
		}
		if got := s.Must(200, "GET", "/api/v1/flows/"+id, a.Access, nil); got["current_version"] != nil {
			t.Errorf("%s: current version %v after a refused publication", c.name, got["current_version"])
		}
	}
	if n := s.Count(`SELECT count(*) FROM flow_versions WHERE tenant_id = $1`, a.TenantID); n != 0 {
		t.Errorf("%d versions stored by refused publications", n)
	}
	if n := s.auditCount(a.TenantID, "flow.publish"); n != 0 {
		t.Errorf("%d refused publications audited as publications", n)
	}
}

// testSubflowCycle: two flows that would open each other as sub-flows cannot both be published;
// the error names the sub-flow node.
func testSubflowCycle(t *testing.T, s flowsAPI) {
	a := s.Register("fs")
	first := s.published(a, "First", nil)
	withSub := func(title, target string) graphJSON {
		g := simpleGraph(title)
		ns := g["nodes"].([]any)
		ns[1].(node)["next"] = "sub"
		g["nodes"] = append(ns, node{"id": "sub", "type": "subflow", "title": "Run the other flow", "flow_id": target, "next": "done"})
		return g
	}
	second := s.published(a, "Second", map[string]any{"graph": withSub("Second", first)})
	s.Must(200, "PUT", "/api/v1/flows/"+first+"/draft", a.Access, map[string]any{"graph": withSub("First", second)})
	r := s.Do("POST", "/api/v1/flows/"+first+"/publish", a.Access, nil)
	wantProblem(t, r, http.StatusUnprocessableEntity, "body.graph.nodes[3].flow_id", `node "sub"`, "cycle", first, second)
	if n := s.Count(`SELECT count(*) FROM flow_versions WHERE tenant_id = $1`, a.TenantID); n != 2 {
		t.Errorf("%d versions, want the first publication of each flow", n)
	}
	foreign := s.published(s.Register("fs-other"), "Theirs", nil)
	other := s.flow(a, "Third", map[string]any{"graph": withSub("Third", foreign)})["id"].(string)
	wantProblem(t, s.Do("POST", "/api/v1/flows/"+other+"/publish", a.Access, nil), http.StatusUnprocessableEntity,
		"body.graph.nodes[3].flow_id", `node "sub"`, "no published flow that you can see")
}

// testDraftsAndVersions: drafts are saved as they are; each publication is the next numbered
// version, immutable, listed newest first.
func testDraftsAndVersions(t *testing.T, s flowsAPI) {
	a := s.Register("fv")
	id := s.flow(a, "Versions", nil)["id"].(string)
	empty := s.Must(200, "GET", "/api/v1/flows/"+id+"/draft", a.Access, nil)
	if len(empty["graph"].(map[string]any)["nodes"].([]any)) != 0 || len(empty["problems"].([]any)) == 0 {
		t.Errorf("a new flow's draft: %v", empty)
	}
	wantProblem(t, s.Do("POST", "/api/v1/flows/"+id+"/publish", a.Access, nil), http.StatusUnprocessableEntity, "body.graph.nodes", "no nodes")
	var versions []string
	for _, title := range []string{"v1", "v2", "v3"} {
		d := s.Must(200, "PUT", "/api/v1/flows/"+id+"/draft", a.Access, map[string]any{"graph": simpleGraph(title)})
		if len(d["problems"].([]any)) != 0 {
			t.Fatalf("draft %s: %v", title, d["problems"])
		}
		v := s.Must(201, "POST", "/api/v1/flows/"+id+"/publish", a.Access, nil)
		versions = append(versions, fmt.Sprint(v["version"]))
	}
	if !slices.Equal(versions, []string{"1", "2", "3"}) {
		t.Errorf("version numbers: %v", versions)
	}
	first := s.Do("GET", "/api/v1/flows/"+id+"/versions/1", a.Access, nil)
	broken := simpleGraph("v4")
	broken["nodes"].([]any)[2].(node)["start"] = true
	if d := s.Must(200, "PUT", "/api/v1/flows/"+id+"/draft", a.Access, map[string]any{"graph": broken}); len(d["problems"].([]any)) == 0 {
		t.Error("an invalid draft is saved without its problems")
	}
	wantProblem(t, s.Do("POST", "/api/v1/flows/"+id+"/publish", a.Access, nil), http.StatusUnprocessableEntity, "body.graph.nodes[2].start")
	listed := s.pages(a, "/api/v1/flows/"+id+"/versions", 2)
	if got := field(listed, "version"); !slices.Equal(got, []string{"3", "2", "1"}) {
		t.Errorf("versions, newest first: %v", got)
	}
	if listed[0]["graph"] != nil {
		t.Error("the version list carries graphs")
	}
	for v, title := range map[string]string{"1": "v1", "3": "v3"} {
		got := s.Must(200, "GET", "/api/v1/flows/"+id+"/versions/"+v, a.Access, nil)
		start := got["graph"].(map[string]any)["nodes"].([]any)[0].(map[string]any)
		if start["title"] != title+": does it start?" {
			t.Errorf("version %s starts with %v", v, start["title"])
		}
	}
	if again := s.Do("GET", "/api/v1/flows/"+id+"/versions/1", a.Access, nil); string(again.Body) != string(first.Body) {
		t.Errorf("version 1 changed:\n%s\n%s", first.Body, again.Body)
	}
	if r := s.Do("GET", "/api/v1/flows/"+id+"/versions/4", a.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("an unpublished version: %d", r.Status)
	}
	if got := s.Must(200, "GET", "/api/v1/flows/"+id, a.Access, nil); got["current_version"] != 3.0 {
		t.Errorf("current version: %v", got["current_version"])
	}
	if n := s.auditCount(a.TenantID, "flow.publish"); n != 3 {
		t.Errorf("%d publications audited, want 3", n)
	}
}

// testVisibility: who sees and who may change private, team and account flows; 404 for a flow the
// caller cannot see, 403 for one they can see but not change.
func testVisibility(t *testing.T, s flowsAPI) {
	o := s.office("fvis", "olga:operator*", "otto:operator*", "oscar:operator", "vera:viewer*")
	olga, otto, oscar, vera, owner := o.m("olga"), o.m("otto"), o.m("oscar"), o.m("vera"), o.owner
	private := s.flow(olga, "Private", nil)["id"].(string)
	team := s.flow(olga, "Team", map[string]any{"visibility": "team", "team_id": o.desk})["id"].(string)
	account := s.flow(olga, "Account", map[string]any{"visibility": "account"})["id"].(string)
	sees := map[string][]string{
		"olga": {private, team, account}, "otto": {team, account}, "vera": {team, account},
		"oscar": {account}, "owner": {account},
	}
	who := map[string]apitest.Account{"olga": olga, "otto": otto, "oscar": oscar, "vera": vera, "owner": owner}
	for name, a := range who {
		listed := field(items(s.Must(200, "GET", "/api/v1/flows", a.Access, nil)), "id")
		if !sameSet(listed, sees[name]) {
			t.Errorf("%s lists %v, want %v", name, listed, sees[name])
		}
		for _, id := range []string{private, team, account} {
			want := http.StatusNotFound
			if slices.Contains(sees[name], id) {
				want = http.StatusOK
			}
			if r := s.Do("GET", "/api/v1/flows/"+id, a.Access, nil); r.Status != want {
				t.Errorf("%s GET %s: %d, want %d", name, id, r.Status, want)
			}
		}
	}
	edits := []struct {
		who    string
		flow   string
		status int
	}{
		{"otto", team, 200}, {"vera", team, 403}, {"oscar", team, 404}, {"oscar", account, 403},
		{"owner", account, 200}, {"owner", private, 404}, {"otto", private, 404},
	}
	for _, e := range edits {
		r := s.Do("PATCH", "/api/v1/flows/"+e.flow, who[e.who].Access, map[string]any{"title": "Changed by " + e.who})
		if r.Status != e.status {
			t.Errorf("%s PATCH: %d %s, want %d", e.who, r.Status, r.Body, e.status)
		}
	}
	notEditable := s.Do("PATCH", "/api/v1/flows/"+account, oscar.Access, map[string]any{"title": "x"})
	if p := wantProblem(t, notEditable, 403, ""); p != nil && p["detail"] != "you can see this flow but may not change it" {
		t.Errorf("visible but not editable: %v", p)
	}
	if got := s.Must(200, "GET", "/api/v1/flows/"+account, oscar.Access, nil); got["can_edit"] != false || got["title"] != "Changed by owner" {
		t.Errorf("oscar's view of the account flow: %v", got)
	}
	if got := s.Must(200, "GET", "/api/v1/flows/"+team, otto.Access, nil); got["can_edit"] != true {
		t.Errorf("otto's view of the team flow: %v", got)
	}
	wantProblem(t, s.Do("PATCH", "/api/v1/flows/"+team+"/visibility", otto.Access, map[string]any{"visibility": "private"}), 403, "")
	wantProblem(t, s.Do("PATCH", "/api/v1/flows/"+account+"/visibility", owner.Access,
		map[string]any{"visibility": "team", "team_id": o.desk}), 422, "body.team_id", "not a team you are in")
	s.Must(200, "PATCH", "/api/v1/flows/"+private+"/visibility", olga.Access, map[string]any{"visibility": "account"})
	s.Must(200, "GET", "/api/v1/flows/"+private, oscar.Access, nil)
	if r := s.Do("DELETE", "/api/v1/teams/"+o.desk, owner.Access, nil); r.Status != http.StatusConflict {
		t.Errorf("deleting a team that a flow uses: %d %s", r.Status, r.Body)
	}
	if n := s.auditCount(owner.TenantID, "flow.visibility"); n != 1 {
		t.Errorf("%d visibility changes audited, want 1", n)
	}
}

// testFork: a fork needs view rights (404 otherwise) and the operator role (403); it is a private
// flow of the caller that starts from the source's published graph and remembers its parent.
func testFork(t *testing.T, s flowsAPI) {
	o := s.office("ffork", "olga:operator", "oscar:operator", "vera:viewer")
	olga, oscar, vera := o.m("olga"), o.m("oscar"), o.m("vera")
	source := s.published(olga, "Printer offline", map[string]any{"visibility": "account", "category_id": globalPrinting.String(),
		"tags": []string{globalWindows.String()}, "description": "Spooler"})
	s.Must(200, "PUT", "/api/v1/flows/"+source+"/draft", olga.Access, map[string]any{"graph": simpleGraph("unpublished")})
	private := s.published(olga, "Private", nil)
	fork := s.Must(201, "POST", "/api/v1/flows/"+source+"/fork", oscar.Access, map[string]any{"reason": "our printers differ"})
	if fork["parent_flow_id"] != source || fork["author_id"] != oscar.UserID || fork["visibility"] != "private" ||
		fork["title"] != "Printer offline (fork)" || fork["fork_reason"] != "our printers differ" || fork["current_version"] != nil ||
		fork["description"] != "Spooler" || fork["category"].(map[string]any)["id"] != globalPrinting.String() ||
		len(fork["tags"].([]any)) != 1 {
		t.Errorf("fork: %v", fork)
	}
	draft := s.Must(200, "GET", "/api/v1/flows/"+fork["id"].(string)+"/draft", oscar.Access, nil)
	if title := draft["graph"].(map[string]any)["nodes"].([]any)[0].(map[string]any)["title"]; title != "Printer offline: does it start?" {
		t.Errorf("the fork starts from %v, want the published graph", title)
	}
	if r := s.Do("GET", "/api/v1/flows/"+fork["id"].(string), olga.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("the source's author sees the private fork: %d", r.Status)
	}
	sameAsRandom(t, "forking a colleague's private flow", s.Do("POST", "/api/v1/flows/"+private+"/fork", oscar.Access, map[string]any{}),
		s.Do("POST", "/api/v1/flows/"+uuid.NewString()+"/fork", oscar.Access, map[string]any{}))
	wantProblem(t, s.Do("POST", "/api/v1/flows/"+source+"/fork", vera.Access, map[string]any{}), 403, "")
	if n := s.auditCount(o.owner.TenantID, "flow.fork"); n != 1 {
		t.Errorf("%d forks audited, want 1", n)
	}
}

// testSoftDelete: deleting follows the edit rule; a deleted flow is gone from the API like a
// random id, but its row and versions stay, and so do the sessions pinned to it.
func testSoftDelete(t *testing.T, s flowsAPI) {
	o := s.office("fdel", "olga:operator", "oscar:operator", "vera:viewer")
	olga, oscar, vera := o.m("olga"), o.m("oscar"), o.m("vera")
	id := s.published(olga, "Doomed", map[string]any{"visibility": "account"})
	session := s.session(oscar, id)["id"].(string)
	wantProblem(t, s.Do("DELETE", "/api/v1/flows/"+id, vera.Access, nil), 403, "")
	wantProblem(t, s.Do("DELETE", "/api/v1/flows/"+id, oscar.Access, nil), 403, "")
	s.Must(204, "DELETE", "/api/v1/flows/"+id, olga.Access, nil)
	sameAsRandom(t, "a deleted flow", s.Do("GET", "/api/v1/flows/"+id, olga.Access, nil),
		s.Do("GET", "/api/v1/flows/"+uuid.NewString(), olga.Access, nil))
	if listed := items(s.Must(200, "GET", "/api/v1/flows", olga.Access, nil)); len(listed) != 0 {
		t.Errorf("the list shows a deleted flow: %v", listed)
	}
	if r := s.Do("DELETE", "/api/v1/flows/"+id, olga.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("deleting again: %d", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM flows WHERE id = $1 AND deleted_at IS NOT NULL`, id); n != 1 {
		t.Error("the flow's row is gone: the delete is not soft")
	}
	if n := s.Count(`SELECT count(*) FROM flow_versions WHERE flow_id = $1`, id); n != 1 {
		t.Errorf("%d versions left, want 1", n)
	}
	if got := s.Must(200, "GET", "/api/v1/sessions/"+session, oscar.Access, nil); got["title"] != "Doomed" || got["current_node"] == nil {
		t.Errorf("a session pinned to the deleted flow: %v", got)
	}
	if r := s.Do("POST", "/api/v1/sessions", oscar.Access, map[string]any{"flow_id": id}); r.Status != http.StatusNotFound {
		t.Errorf("a session on a deleted flow: %d", r.Status)
	}
}

// testListFlows: search on title and description, filters by kind, category and tag, and pages
// that add up to the one-page list without repeating or skipping a flow.
func testListFlows(t *testing.T, s flowsAPI) {
	a := s.Register("flist")
	internal := s.Must(201, "POST", "/api/v1/flow-categories", a.Access, map[string]any{"name": "Internal"})["id"].(string)
	hq := s.Must(201, "POST", "/api/v1/flow-tags", a.Access, map[string]any{"name": "hq"})["id"].(string)
	mk := func(kind, title, description, category string, tags ...string) string {
		body := map[string]any{"kind": kind, "description": description, "tags": tags}
		if category != "" {
			body["category_id"] = category
		}
		return s.flow(a, title, body)["id"].(string)
	}
	outlook := mk("troubleshooting", "Outlook crashes on start", "Safe mode and add-ins", globalEmail.String(), globalWindows.String())
	printer := mk("troubleshooting", "Printer offline", "Restart the spooler", globalPrinting.String(), hq)
	onboarding := mk("procedural", "New starter onboarding", "Accounts, laptop, OUTLOOK profile", internal)
	patching := mk("maintenance", "Monthly patching", "Windows updates", "", globalWindows.String())
	vpn := mk("troubleshooting", "VPN drops", "", "")
	backup := mk("maintenance", "Backup check", "", "")
	search := mk("troubleshooting", "Outlook search broken", "Rebuild the index", "", globalWindows.String(), hq)
	s.flow(s.Register("flist-other"), "Outlook for another tenant", map[string]any{"visibility": "account"})
	cases := map[string][]string{
		"q=outlook":                        {outlook, onboarding, search},
		"q=spooler":                        {printer},
		"q=safe+mode":                      {outlook},
		"q=boardin":                        {onboarding},
		"kind=maintenance":                 {patching, backup},
		"category=" + globalEmail.String(): {outlook},
		"category=" + internal:             {onboarding},
		"tag=" + globalWindows.String():    {outlook, patching, search},
		"tag=" + hq:                        {printer, search},
		"kind=troubleshooting&tag=" + globalWindows.String():     {outlook, search},
		"q=outlook&kind=procedural":                              {onboarding},
		"category=" + globalPrinting.String() + "&q=nothinglike": nil,
	}
	for query, want := range cases {
		got := field(items(s.Must(200, "GET", "/api/v1/flows?"+query, a.Access, nil)), "id")
		if !sameSet(got, want) {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
	all := field(items(s.Must(200, "GET", "/api/v1/flows", a.Access, nil)), "id")
	if !sameSet(all, []string{outlook, printer, onboarding, patching, vpn, backup, search}) {
		t.Errorf("all: %v", all)
	}
	for _, limit := range []int{1, 2, 3} {
		paged := field(s.pages(a, "/api/v1/flows", limit), "id")
		if !slices.Equal(paged, all) {
			t.Errorf("pages of %d: %v, want %v", limit, paged, all)
		}
	}
	if paged := field(s.pages(a, "/api/v1/flows?tag="+globalWindows.String(), 2), "id"); !slices.Equal(paged,
		field(items(s.Must(200, "GET", "/api/v1/flows?tag="+globalWindows.String(), a.Access, nil)), "id")) {
		t.Errorf("filtered pages: %v", paged)
	}
	for _, bad := range []string{"kind=nope", "cursor=not-a-cursor", "tag=not-a-uuid"} {
		wantProblem(t, s.Do("GET", "/api/v1/flows?"+bad, a.Access, nil), http.StatusUnprocessableEntity, "")
	}
}

// sameSet reports whether two lists hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
