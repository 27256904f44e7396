package flows_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestSessionOwnerOnly: a session is its owner's. Another member of the same tenant and a member
// of another tenant get, for every operation, the same 404 as for a random id, and nothing
// changes; lists show them nothing.
func TestSessionOwnerOnly(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	flow := w.publishedFlow(t, w.alice)
	s := w.start(t, w.alice, flow)
	if got, err := w.svc.GetSession(w.alice.ctx, s.ID); err != nil || got.ID != s.ID || got.OwnerID != w.alice.id {
		t.Fatalf("owner: %+v, %v", got, err)
	}
	_, err := w.svc.GetSession(w.alice.ctx, tenancy.NewID())
	expectNotFound(t, err, "random id")
	step := tenancy.NewID()
	for _, u := range []sessUser{w.bob, w.adam, w.mallory} {
		ops := map[string]func() error{
			"get":       func() error { _, err := w.svc.GetSession(u.ctx, s.ID); return err },
			"decide":    func() error { _, err := w.svc.DecideSession(u.ctx, s.ID, "a", ""); return err },
			"back":      func() error { _, err := w.svc.BackSession(u.ctx, s.ID); return err },
			"variables": func() error { _, err := w.svc.SetSessionVariables(u.ctx, s.ID, map[string]any{"n": 1}); return err },
			"scratch":   func() error { _, err := w.svc.SetScratchpad(u.ctx, s.ID, "x"); return err },
			"details": func() error {
				_, err := w.svc.UpdateSessionDetails(u.ctx, s.ID, flows.SessionDetails{ClientName: ptrTo("x")})
				return err
			},
			"custom": func() error {
				_, err := w.svc.AddCustomStep(u.ctx, s.ID, flows.CustomStepFields{Title: ptrTo("x")})
				return err
			},
			"patchstep": func() error {
				_, err := w.svc.UpdateCustomStep(u.ctx, s.ID, step, flows.CustomStepFields{Title: ptrTo("x")})
				return err
			},
			"delstep":  func() error { _, err := w.svc.DeleteCustomStep(u.ctx, s.ID, step); return err },
			"start":    func() error { _, err := w.svc.StartSession(u.ctx, s.ID); return err },
			"complete": func() error { _, err := w.svc.CompleteSession(u.ctx, s.ID, "resolved"); return err },
			"abandon":  func() error { _, err := w.svc.AbandonSession(u.ctx, s.ID); return err },
			"export":   func() error { _, err := w.svc.ExportSession(u.ctx, s.ID, "html"); return err },
		}
		for name, op := range ops {
			expectNotFound(t, op(), string(u.role)+" "+name)
		}
		list, err := w.svc.ListSessions(u.ctx, flows.SessionFilter{}, 50, nil)
		if err != nil || len(list) != 0 {
			t.Errorf("%s lists %d sessions (%v)", u.role, len(list), err)
		}
	}
	after, err := w.svc.GetSession(w.alice.ctx, s.ID)
	if err != nil || after.Status != flows.StatusActive || len(after.Decisions) != 0 || !after.UpdatedAt.Equal(s.UpdatedAt) {
		t.Errorf("the strangers changed the session: %+v, %v", after, err)
	}
}

// TestSessionAccessRules: only signed-in members with the operator role reach sessions; API keys
// (whose user id is the key's creator) and viewers are refused.
func TestSessionAccessRules(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	flow := w.publishedFlow(t, w.alice)
	s := w.start(t, w.alice, flow)
	key := scopedAs(t, w.a, w.alice.id, tenancy.RoleOwner, tenancy.PrincipalAPIKey)
	_, err := w.svc.GetSession(key, s.ID)
	expectKind(t, err, errs.Forbidden, "api key")
	_, err = w.svc.CreateSession(w.vic.ctx, flows.NewSession{FlowID: flow})
	expectKind(t, err, errs.Forbidden, "viewer")
}

// TestSessionFlowVisibility: a session starts only on a flow the caller can see (private: the
// author; team: its members; account: all), live and published; anything else is the same 404.
func TestSessionFlowVisibility(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	g := sessGraph("Q")
	private := w.flow(t, w.bob, "private", nil)
	team := w.flow(t, w.bob, "team", &w.team)
	account := w.flow(t, w.bob, "account", nil)
	deleted := w.flow(t, w.bob, "account", nil)
	foreign := w.flow(t, w.mallory, "account", nil)
	for _, f := range []struct {
		id uuid.UUID
		by sessUser
	}{{private, w.bob}, {team, w.bob}, {account, w.bob}, {deleted, w.bob}, {foreign, w.mallory}} {
		w.publish(t, f.by, f.id, 1, g)
	}
	w.exec(t, w.bob.ctx, `UPDATE flows SET deleted_at = now() WHERE tenant_id = $1 AND id = $2`, w.a, deleted)
	unpublished := w.flow(t, w.bob, "account", nil)

	create := func(u sessUser, flow uuid.UUID) error {
		_, err := w.svc.CreateSession(u.ctx, flows.NewSession{FlowID: flow})
		return err
	}
	for _, ok := range []struct {
		u    sessUser
		flow uuid.UUID
	}{{w.bob, private}, {w.bob, team}, {w.alice, team}, {w.carol, team}, {w.alice, account}} {
		if err := create(ok.u, ok.flow); err != nil {
			t.Errorf("visible flow: %v", err)
		}
	}
	for name, f := range map[string]uuid.UUID{"private": private, "deleted": deleted, "foreign": foreign, "random": tenancy.NewID()} {
		expectNotFound(t, create(w.alice, f), name)
	}
	expectNotFound(t, create(w.adam, team), "team flow, not a member")
	expectField(t, create(w.alice, unpublished), "body.flow_id", "unpublished")
	if err := create(w.mallory, foreign); err != nil {
		t.Errorf("tenant B on its own flow: %v", err)
	}
}

// TestSessionPrepareAssign: a prepared session has not started; its assignee gains access (get,
// list, write, start), a third member does not; an assignee who is not a member of the tenant is
// a 404.
func TestSessionPrepareAssign(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	flow := w.publishedFlow(t, w.alice)
	p, err := w.svc.PrepareSession(w.alice.ctx, flows.NewSession{FlowID: flow, AssignedTo: &w.carol.id,
		Variables: map[string]any{"n": 3, "pick": "y"}, TicketNumber: "T-7"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != flows.StatusPrepared || p.StartedAt != nil || p.CurrentNode != nil || p.AssignedTo == nil || *p.AssignedTo != w.carol.id ||
		p.Variables["n"] != 3.0 {
		t.Fatalf("prepared: %+v", p)
	}
	if _, err := w.svc.GetSession(w.carol.ctx, p.ID); err != nil {
		t.Fatalf("assignee: %v", err)
	}
	_, err = w.svc.GetSession(w.bob.ctx, p.ID)
	expectNotFound(t, err, "third member")
	_, err = w.svc.StartSession(w.bob.ctx, p.ID)
	expectNotFound(t, err, "third member starts")
	assigned, err := w.svc.ListSessions(w.carol.ctx, flows.SessionFilter{Scope: "assigned"}, 10, nil)
	if err != nil || len(assigned) != 1 || assigned[0].ID != p.ID {
		t.Fatalf("carol's assigned sessions: %+v, %v", assigned, err)
	}
	if mine, _ := w.svc.ListSessions(w.carol.ctx, flows.SessionFilter{Scope: "mine"}, 10, nil); len(mine) != 0 {
		t.Errorf("carol's own sessions: %+v", mine)
	}
	_, err = w.svc.DecideSession(w.carol.ctx, p.ID, "b", "")
	expectKind(t, err, errs.Conflict, "decide before the start")
	s, err := w.svc.StartSession(w.carol.ctx, p.ID)
	if err != nil || s.Status != flows.StatusActive || s.StartedAt == nil || s.CurrentNode == nil || s.CurrentNode.ID != "q" {
		t.Fatalf("start: %+v, %v", s, err)
	}
	_, err = w.svc.StartSession(w.alice.ctx, p.ID)
	expectKind(t, err, errs.Conflict, "second start")
	if s, err = w.svc.DecideSession(w.carol.ctx, p.ID, "b", ""); err != nil || s.CurrentNode.ID != "inp" {
		t.Fatalf("assignee decides: %+v, %v", s, err)
	}
	if s, err = w.svc.GetSession(w.alice.ctx, p.ID); err != nil || len(s.Decisions) != 1 {
		t.Fatalf("owner sees the assignee's decision: %+v, %v", s, err)
	}
	for name, who := range map[string]uuid.UUID{"other tenant's member": w.mallory.id, "random": tenancy.NewID()} {
		_, err := w.svc.PrepareSession(w.alice.ctx, flows.NewSession{FlowID: flow, AssignedTo: &who})
		expectNotFound(t, err, name)
	}
	_, err = w.svc.PrepareSession(w.alice.ctx, flows.NewSession{FlowID: flow, Variables: map[string]any{"n": "many"}})
	expectField(t, err, "body.variables.n", "prepare with a mistyped variable")
}

// TestSessionPinnedSnapshot: decisions are validated against the session's snapshot; editing the
// flow's draft or publishing v2 after the start changes nothing for a running session.
func TestSessionPinnedSnapshot(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	flow := w.publishedFlow(t, w.alice)
	s := w.start(t, w.alice, flow)
	v2 := sessGraph("Which symptom, version 2?")
	v2.Nodes[0].Options[0].ID = "z" // v2 renames option a
	w.exec(t, w.alice.ctx, `UPDATE flows SET draft_graph = '{"nodes": []}', title = 'Renamed' WHERE tenant_id = $1 AND id = $2`, w.a, flow)
	w.publish(t, w.alice, flow, 2, v2)

	_, err := w.svc.DecideSession(w.alice.ctx, s.ID, "z", "")
	expectField(t, err, "body.option_id", "an option only v2 has")
	got, err := w.svc.DecideSession(w.alice.ctx, s.ID, "a", "")
	if err != nil || *got.FlowVersion != 1 || got.CurrentNode.ID != "ins" || got.Title != "Outlook does not start v1" {
		t.Fatalf("v1 option: %+v, %v", got, err)
	}
	s2 := w.start(t, w.alice, flow)
	if *s2.FlowVersion != 2 || s2.CurrentNode.Title != "Which symptom, version 2?" {
		t.Fatalf("a new session starts on v2: %+v", s2)
	}
}

// TestSessionRun: options are validated at the current node, back undoes, variables are typed,
// logic nodes advance by themselves, and reaching a resolution completes the session.
func TestSessionRun(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	s := w.start(t, w.alice, w.publishedFlow(t, w.alice))
	ctx, id := w.alice.ctx, s.ID
	_, err := w.svc.DecideSession(ctx, id, "nope", "")
	expectField(t, err, "body.option_id", "unknown option")
	_, err = w.svc.BackSession(ctx, id)
	expectKind(t, err, errs.Invalid, "back with nothing to undo")
	s, err = w.svc.DecideSession(ctx, id, "a", "tried first")
	if err != nil || s.CurrentNode.ID != "ins" || s.Decisions[0].Note != "tried first" {
		t.Fatalf("decide a: %+v, %v", s, err)
	}
	if s, err = w.svc.BackSession(ctx, id); err != nil || s.CurrentNode.ID != "q" || len(s.Decisions) != 0 || len(s.Path) != 1 {
		t.Fatalf("back: %+v, %v", s, err)
	}
	if s, err = w.svc.DecideSession(ctx, id, "b", ""); err != nil || s.CurrentNode.ID != "inp" {
		t.Fatalf("decide b: %+v, %v", s, err)
	}
	_, err = w.svc.DecideSession(ctx, id, graph.ContinueOption, "")
	expectField(t, err, "body.variables.n", "continue without the required variable")
	for name, vals := range map[string]map[string]any{"string for a number": {"n": "12"}, "unknown": {"zz": 1}, "bad choice": {"pick": "q"}} {
		_, err := w.svc.SetSessionVariables(ctx, id, vals)
		expectKind(t, err, errs.Invalid, name)
	}
	if s, err = w.svc.SetSessionVariables(ctx, id, map[string]any{"n": 42, "pick": "x"}); err != nil || s.Variables["n"] != 42.0 {
		t.Fatalf("set variables: %+v, %v", s, err)
	}
	s, err = w.svc.DecideSession(ctx, id, graph.ContinueOption, "")
	if err != nil {
		t.Fatal(err)
	}
	path := make([]string, len(s.Path))
	for i, p := range s.Path {
		path[i] = p.NodeID
	}
	if !slices.Equal(path, []string{"q", "inp", "lg", "esc"}) || s.Status != flows.StatusCompleted || s.Outcome == nil ||
		*s.Outcome != "escalated" || s.CompletedAt == nil {
		t.Fatalf("after the logic node: path %v, %+v", path, s)
	}
	_, err = w.svc.BackSession(ctx, id)
	expectKind(t, err, errs.Conflict, "back on a completed session")
}

// TestSessionCompleteAbandon: complete with a valid outcome; every write to a completed or
// abandoned session is a 409.
func TestSessionCompleteAbandon(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	flow := w.publishedFlow(t, w.alice)
	done, gone := w.start(t, w.alice, flow), w.start(t, w.alice, flow)
	_, err := w.svc.CompleteSession(w.alice.ctx, done.ID, "fixed")
	expectField(t, err, "body.outcome", "bad outcome")
	if s, err := w.svc.CompleteSession(w.alice.ctx, done.ID, "unresolved"); err != nil || s.Status != flows.StatusCompleted || *s.Outcome != "unresolved" {
		t.Fatalf("complete: %+v, %v", s, err)
	}
	if s, err := w.svc.AbandonSession(w.alice.ctx, gone.ID); err != nil || s.Status != flows.StatusAbandoned || s.AbandonedAt == nil {
		t.Fatalf("abandon: %+v, %v", s, err)
	}
	for _, id := range []uuid.UUID{done.ID, gone.ID} {
		ctx := w.alice.ctx
		for name, op := range map[string]func() error{
			"decide":    func() error { _, err := w.svc.DecideSession(ctx, id, "a", ""); return err },
			"scratch":   func() error { _, err := w.svc.SetScratchpad(ctx, id, "late"); return err },
			"variables": func() error { _, err := w.svc.SetSessionVariables(ctx, id, map[string]any{"n": 1}); return err },
			"details": func() error {
				_, err := w.svc.UpdateSessionDetails(ctx, id, flows.SessionDetails{TicketNumber: ptrTo("T-2")})
				return err
			},
			"custom": func() error {
				_, err := w.svc.AddCustomStep(ctx, id, flows.CustomStepFields{Title: ptrTo("late")})
				return err
			},
			"complete": func() error { _, err := w.svc.CompleteSession(ctx, id, "resolved"); return err },
			"abandon":  func() error { _, err := w.svc.AbandonSession(ctx, id); return err },
			"start":    func() error { _, err := w.svc.StartSession(ctx, id); return err },
		} {
			expectKind(t, op(), errs.Conflict, name)
		}
	}
	if _, err := w.svc.ExportSession(w.alice.ctx, done.ID, "md"); err != nil {
		t.Errorf("export of a completed session: %v", err)
	}
}

// TestSessionConcurrentDecisions: decisions sent at the same time on one session are applied one
// after the other; none is lost.
func TestSessionConcurrentDecisions(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	const steps, writers = 12, 8
	g := graph.Graph{}
	for i := range steps {
		n := graph.Node{ID: stepID(i), Type: graph.TypeInstruction, Title: "Step " + stepID(i), Next: stepID(i + 1), Start: i == 0}
		g.Nodes = append(g.Nodes, n)
	}
	g.Nodes = append(g.Nodes, graph.Node{ID: stepID(steps), Type: graph.TypeResolution, Title: "Done", Outcome: graph.OutcomeResolved})
	flow := w.flow(t, w.alice, "private", nil)
	w.publish(t, w.alice, flow, 1, g)
	s := w.start(t, w.alice, flow)
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			_, err := w.svc.DecideSession(w.alice.ctx, s.ID, graph.ContinueOption, "")
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("concurrent decision: %v", err)
		}
	}
	got, err := w.svc.GetSession(w.alice.ctx, s.ID)
	if err != nil || len(got.Decisions) != writers || len(got.Path) != writers+1 || got.CurrentNode.ID != stepID(writers) {
		t.Fatalf("after %d concurrent decisions: %d decisions, path %d, at %v (%v)", writers, len(got.Decisions), len(got.Path), got.CurrentNode, err)
	}
}

func stepID(i int) string { return "s" + string(rune('a'+i)) }

// TestSessionFieldsAndList: scratchpad, ticket fields and their limits; the list filters and
// pages.
func TestSessionFieldsAndList(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	flow, other := w.publishedFlow(t, w.alice), w.publishedFlow(t, w.alice)
	s := w.start(t, w.alice, flow)
	if got, err := w.svc.SetScratchpad(w.alice.ctx, s.ID, "checked the PST"); err != nil || got.Scratchpad != "checked the PST" {
		t.Fatalf("scratchpad: %+v, %v", got, err)
	}
	_, err := w.svc.SetScratchpad(w.alice.ctx, s.ID, string(make([]byte, flows.MaxScratchpadBytes+1)))
	expectField(t, err, "body.text", "scratchpad too long")
	got, err := w.svc.UpdateSessionDetails(w.alice.ctx, s.ID, flows.SessionDetails{TicketNumber: ptrTo(" T-9 ")})
	if err != nil || got.TicketNumber != "T-9" || got.ClientName != "Acme" {
		t.Fatalf("details: %+v, %v", got, err)
	}
	long := string(make([]rune, 101))
	_, err = w.svc.UpdateSessionDetails(w.alice.ctx, s.ID, flows.SessionDetails{TicketNumber: &long})
	expectField(t, err, "body.ticket_number", "ticket too long")

	w.start(t, w.alice, other)
	third := w.start(t, w.alice, flow)
	if _, err := w.svc.AbandonSession(w.alice.ctx, third.ID); err != nil {
		t.Fatal(err)
	}
	list := func(f flows.SessionFilter, size int, after *flows.SessionKey) []flows.FlowSessionSummary {
		t.Helper()
		out, err := w.svc.ListSessions(w.alice.ctx, f, size, after)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if all := list(flows.SessionFilter{}, 50, nil); len(all) != 3 || all[0].ID != third.ID {
		t.Fatalf("all, newest first: %+v", all)
	}
	if byFlow := list(flows.SessionFilter{FlowID: &flow}, 50, nil); len(byFlow) != 2 {
		t.Errorf("by flow: %d", len(byFlow))
	}
	if abandoned := list(flows.SessionFilter{Status: flows.StatusAbandoned}, 50, nil); len(abandoned) != 1 || abandoned[0].ID != third.ID {
		t.Errorf("by status: %+v", abandoned)
	}
	first := list(flows.SessionFilter{}, 2, nil)
	last := first[1]
	rest := list(flows.SessionFilter{}, 2, &flows.SessionKey{CreatedAt: last.CreatedAt, ID: last.ID})
	if len(first) != 3 || len(rest) != 1 || rest[0].ID != s.ID {
		t.Errorf("pages: %d then %d", len(first), len(rest))
	}
	_, err = w.svc.ListSessions(w.alice.ctx, flows.SessionFilter{Scope: "everyone"}, 10, nil)
	expectField(t, err, "query.scope", "bad scope")
}
