package flows_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// resolvedAI starts an AI session of ctx's member about problem, with a message, and resolves it
// with note; it returns the session's id.
func (w *world) resolvedAI(t *testing.T, ctx context.Context, problem, note string) uuid.UUID {
	t.Helper()
	s, err := w.svc.CreateAISession(ctx, flows.NewAISession{Problem: problem})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := w.svc.SendAIMessage(ctx, s.ID, "Tried turning it off and on")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := reply.Finish(ctx, false); err != nil {
		t.Fatal(err)
	}
	resolved := flows.AIResolved
	if _, err := w.svc.UpdateAISession(ctx, s.ID, flows.AISessionChange{Status: &resolved, ResolutionNote: &note}); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// TestFlywheelCrash: resolving an AI session queues its analysis in the same transaction; the
// flywheel turns the analyses of two tenants into proposals, each in its own tenant (an enhancement
// of A's matching published flow, new flows otherwise; B's similar problem never points at A's
// flow), every proposed graph valid. Killed after its first write, a rerun makes exactly one
// proposal per analysis.
func TestFlywheelCrash(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	w := newWorldIn(t, env)
	flow := w.mustFlow(t, w.admin, flows.NewFlow{Title: "Printer offline", Visibility: "account", Graph: validGraph()})
	if _, err := w.svc.Publish(w.admin, flow.ID); err != nil {
		t.Fatal(err)
	}
	a1 := w.resolvedAI(t, w.olga, "The printer shows offline on floor 2", "Re-added the printer by IP")
	a2 := w.resolvedAI(t, w.otto, "Printer offline after the router change", "New DHCP reservation")
	a3 := w.resolvedAI(t, w.olga, "Laptop battery drains overnight", "Disabled modern standby")
	b1 := w.resolvedAI(t, w.adminB, "The printer shows offline", "Power cycled it")
	if n := superCount(t, env, `SELECT count(*) FROM session_analyses WHERE status = 'pending'`); n != 4 {
		t.Fatalf("%d pending analyses, want one per resolved session", n)
	}
	crashJob(t, env, "flywheel")
	if n := superCount(t, env, `SELECT count(*) FROM flow_proposals WHERE tenant_id = $1`, w.a.UUID()); n != 1 {
		t.Fatalf("%d of A's proposals at the crash, want 1", n)
	}
	if err := runAIJob(t.Context(), w.svc, "flywheel"); err != nil {
		t.Fatal(err)
	}
	if err := runAIJob(t.Context(), w.svc, "flywheel"); err != nil { // a second pass finds nothing to do
		t.Fatal(err)
	}
	want := map[uuid.UUID]string{a1: "enhancement", a2: "enhancement", a3: "new_flow", b1: "new_flow"}
	for session, kind := range want {
		if n := superCount(t, env, `SELECT count(*) FROM flow_proposals p JOIN session_analyses a ON a.tenant_id = p.tenant_id
			AND a.id = p.analysis_id WHERE a.ai_session_id = $1 AND a.status = 'done' AND p.kind = $2
			AND p.source_ai_session_id = $1`, session, kind); n != 1 {
			t.Errorf("session %s: %d %s proposals, want 1", session, n, kind)
		}
	}
	if n := superCount(t, env, `SELECT count(*) FROM flow_proposals WHERE kind = 'enhancement' AND target_flow_id = $1 AND tenant_id = $2`,
		flow.ID, w.a.UUID()); n != 2 {
		t.Errorf("%d enhancements of A's flow, want 2", n)
	}
	if n := superCount(t, env, `SELECT count(*) FROM flow_proposals WHERE tenant_id = $1 AND target_flow_id IS NULL`, w.b.UUID()); n != 1 {
		t.Errorf("B's proposal: %d", n)
	}
	if n := superCount(t, env, `SELECT count(*) FROM audit_events WHERE action = 'flow_proposal.create'`); n != 4 {
		t.Errorf("%d proposal audit rows, want 4", n)
	}
	for _, ctx := range []context.Context{w.admin, w.adminB} {
		list, err := w.svc.ListProposals(ctx, "", 50, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list {
			if err := graph.Validate(*p.ProposedGraph); err != nil {
				t.Errorf("proposal %s: invalid graph: %v", p.ID, err)
			}
			if p.Kind == "enhancement" && !strings.Contains(p.ProposedGraph.Nodes[0].Title, "Does it look like") {
				t.Errorf("enhancement %s starts with %q", p.ID, p.ProposedGraph.Nodes[0].Title)
			}
		}
	}
}

// TestFlowProposalsAPI: the review endpoints, admins only, tenant-scoped end to end: approve writes
// the enhanced flow's draft, edit-and-publish publishes through the publication path, dismiss and
// reject close a proposal; another tenant gets 404 everywhere, an operator 403, and a reviewed
// proposal cannot be reviewed again.
func TestFlowProposalsAPI(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{Unlimited: true})
	a := s.office("fp", "olga:operator")
	b := s.office("fp-b")
	olga := a.m("olga")
	flow := s.published(a.owner, "Printer offline", map[string]any{"visibility": "account"})
	bFlow := s.published(b.owner, "Printer offline", map[string]any{"visibility": "account"})
	id := s.aiSession(olga, "The printer shows offline again")
	if st, _ := s.sendAI(olga, id, "floor 2"); st != 200 {
		t.Fatal(st)
	}
	s.Must(200, "PATCH", "/api/v1/ai-sessions/"+id, olga.Access, map[string]any{"status": "resolved", "resolution_note": "Re-added by IP"})
	svc := flows.New(s.DB, slog.New(slog.DiscardHandler))
	if err := runAIJob(t.Context(), svc, "flywheel"); err != nil {
		t.Fatal(err)
	}
	list := items(s.Must(200, "GET", "/api/v1/flow-proposals?status=pending", a.owner.Access, nil))
	if len(list) != 1 || list[0]["kind"] != "enhancement" || list[0]["target_flow_id"] != flow || list[0]["source_ai_session_id"] != id {
		t.Fatalf("proposals: %v", list)
	}
	p := list[0]["id"].(string)
	path := "/api/v1/flow-proposals/" + p
	if r := s.Do("GET", "/api/v1/flow-proposals", olga.Access, nil); r.Status != 403 {
		t.Errorf("operator list: %d", r.Status)
	}
	if got := items(s.Must(200, "GET", "/api/v1/flow-proposals", b.owner.Access, nil)); len(got) != 0 {
		t.Errorf("B lists %v", got)
	}
	random := s.Do("GET", "/api/v1/flow-proposals/"+tenancyRandom(), a.owner.Access, nil)
	for _, r := range []apitest.Response{
		s.Do("GET", path, b.owner.Access, nil),
		s.Do("POST", path+"/approve", b.owner.Access, nil),
		s.Do("POST", path+"/dismiss", b.owner.Access, nil),
		s.Do("POST", path+"/reject", b.owner.Access, nil),
		s.Do("POST", path+"/edit-and-publish", b.owner.Access, map[string]any{"graph": simpleGraph("B")}),
	} {
		if r.Status != 404 || string(r.Body) != string(random.Body) {
			t.Errorf("tenant B: %d %s", r.Status, r.Body)
		}
	}
	// Approve: the enhanced flow's draft is the proposed graph; nothing is published.
	got := s.Must(200, "POST", path+"/approve", a.owner.Access, nil)
	if got["status"] != "approved" || got["result_flow_id"] != flow || got["reviewed_by"] != a.owner.UserID {
		t.Errorf("approved: %v", got)
	}
	draft := s.Must(200, "GET", "/api/v1/flows/"+flow+"/draft", a.owner.Access, nil)
	if nodes := draft["graph"].(map[string]any)["nodes"].([]any); !strings.HasPrefix(nodes[0].(map[string]any)["id"].(string), "ai_check") {
		t.Errorf("the draft does not start with the proposal's node: %v", nodes[0])
	}
	for _, act := range []string{"approve", "dismiss", "reject"} {
		wantProblem(t, s.Do("POST", path+"/"+act, a.owner.Access, nil), 409, "")
	}
	// By hand: the graph must be valid, the target a flow of the tenant.
	wantProblem(t, s.Do("POST", "/api/v1/flow-proposals", a.owner.Access, map[string]any{"kind": "new_flow", "title": "Broken",
		"graph": map[string]any{"nodes": []any{}}}), 422, "")
	wantProblem(t, s.Do("POST", "/api/v1/flow-proposals", a.owner.Access, map[string]any{"kind": "enhancement", "title": "Theirs",
		"target_flow_id": bFlow, "graph": simpleGraph("x")}), 422, "body.target_flow_id")
	manual := func(title string) string {
		return s.Must(201, "POST", "/api/v1/flow-proposals", a.owner.Access, map[string]any{"kind": "new_flow", "title": title,
			"graph": simpleGraph(title)})["id"].(string)
	}
	// Edit and publish: an invalid graph changes nothing; a valid one is published as version 1.
	m1 := manual("VPN drops")
	wantProblem(t, s.Do("POST", "/api/v1/flow-proposals/"+m1+"/edit-and-publish", a.owner.Access,
		map[string]any{"graph": map[string]any{"nodes": []any{map[string]any{"id": "x", "type": "question", "title": "x", "start": true}}}}), 422, "")
	if got := s.Must(200, "GET", "/api/v1/flow-proposals/"+m1, a.owner.Access, nil); got["status"] != "pending" {
		t.Errorf("after an invalid publish: %v", got["status"])
	}
	pub := s.Must(200, "POST", "/api/v1/flow-proposals/"+m1+"/edit-and-publish", a.owner.Access, map[string]any{"graph": simpleGraph("VPN v2")})
	newFlow := pub["result_flow_id"].(string)
	if pub["status"] != "edited" {
		t.Errorf("published: %v", pub)
	}
	if f := s.Must(200, "GET", "/api/v1/flows/"+newFlow, a.owner.Access, nil); f["current_version"] != float64(1) || f["title"] != "VPN drops" {
		t.Errorf("the published flow: %v", f)
	}
	if got := s.Must(200, "POST", "/api/v1/flow-proposals/"+manual("Dismiss me")+"/dismiss", a.owner.Access, nil); got["status"] != "dismissed" {
		t.Errorf("dismissed: %v", got)
	}
	if got := s.Must(200, "POST", "/api/v1/flow-proposals/"+manual("Reject me")+"/reject", a.owner.Access, nil); got["status"] != "rejected" {
		t.Errorf("rejected: %v", got)
	}
	if got := items(s.Must(200, "GET", "/api/v1/flow-proposals?status=pending", a.owner.Access, nil)); len(got) != 0 {
		t.Errorf("still pending: %v", got)
	}
}
