package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

// Fixed ids of the global catalogue (the flows migration).
var (
	globalEmail    = uuid.MustParse("01900000-0000-7000-8000-000000000101")
	globalNetwork  = uuid.MustParse("01900000-0000-7000-8000-000000000102")
	globalPrinting = uuid.MustParse("01900000-0000-7000-8000-000000000106")
	globalWindows  = uuid.MustParse("01900000-0000-7000-8000-000000000201")
)

func TestCreateAndGetFlow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tag, err := w.svc.CreateTag(w.admin, "outlook")
	if err != nil {
		t.Fatal(err)
	}
	f := w.mustFlow(t, w.olga, flows.NewFlow{Kind: flows.KindProcedural, Title: "  Onboard a user ", Description: "Steps",
		Visibility: "account", CategoryID: globalEmail, Tags: []uuid.UUID{tag.ID, globalWindows}, Graph: validGraph()})
	if f.Title != "Onboard a user" || f.Kind != flows.KindProcedural || f.Visibility != "account" || f.AuthorID != w.ids[w.olga] {
		t.Errorf("created: %+v", f)
	}
	if f.Category == nil || f.Category.ID != globalEmail || !f.Category.Global || f.Category.Name != "Email & Office" {
		t.Errorf("category: %+v", f.Category)
	}
	if len(f.Tags) != 2 || f.Tags[0].Name != "outlook" || f.Tags[1].ID != globalWindows || !f.Tags[1].Global {
		t.Errorf("tags: %+v", f.Tags)
	}
	if f.CurrentVersion != nil || !f.CanEdit {
		t.Errorf("a new flow has no version and its author may edit it: %+v", f)
	}
	got, err := w.svc.GetFlow(w.vera, f.ID)
	if err != nil || got.ID != f.ID || got.CanEdit {
		t.Errorf("get as viewer: %+v, %v", got, err)
	}
	// A new flow without a graph has an empty draft, with its problem listed.
	empty := w.mustFlow(t, w.olga, flows.NewFlow{})
	d, err := w.svc.GetDraft(w.olga, empty.ID)
	if err != nil || len(d.Graph.Nodes) != 0 || len(d.Problems) != 1 || d.Problems[0].Field != "nodes" {
		t.Errorf("empty draft: %+v, %v", d, err)
	}
	if got := w.count(t, w.admin, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'flow.create'`); got != 2 {
		t.Errorf("%d flow.create audit rows, want 2", got)
	}
}

// TestCreateFlowInvalid: each bad input is Invalid at its field, and nothing is written.
func TestCreateFlowInvalid(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	otherTeam := w.team(t, w.admin, "Network", w.oscar)
	catB, err := w.svc.CreateCategory(w.adminB, "B's category", 0)
	if err != nil {
		t.Fatal(err)
	}
	tagB, err := w.svc.CreateTag(w.adminB, "b-tag")
	if err != nil {
		t.Fatal(err)
	}
	ok := flows.NewFlow{Kind: flows.KindTroubleshooting, Title: "T"}
	cases := map[string]struct {
		change   func(*flows.NewFlow)
		location string
	}{
		"kind":                {func(n *flows.NewFlow) { n.Kind = "quiz" }, "body.kind"},
		"title":               {func(n *flows.NewFlow) { n.Title = " " }, "body.title"},
		"long title":          {func(n *flows.NewFlow) { n.Title = strings.Repeat("é", 201) }, "body.title"},
		"description":         {func(n *flows.NewFlow) { n.Description = strings.Repeat("x", 5001) }, "body.description"},
		"visibility":          {func(n *flows.NewFlow) { n.Visibility = "public" }, "body.visibility"},
		"team without a team": {func(n *flows.NewFlow) { n.Visibility = "team" }, "body.team_id"},
		"team not mine":       {func(n *flows.NewFlow) { n.Visibility, n.TeamID = "team", otherTeam }, "body.team_id"},
		"team of no one":      {func(n *flows.NewFlow) { n.Visibility, n.TeamID = "team", uuid.New() }, "body.team_id"},
		"private with team":   {func(n *flows.NewFlow) { n.TeamID = w.desk }, "body.team_id"},
		"category of B":       {func(n *flows.NewFlow) { n.CategoryID = catB.ID }, "body.category_id"},
		"tag of B":            {func(n *flows.NewFlow) { n.Tags = []uuid.UUID{globalWindows, tagB.ID} }, "body.tags[1]"},
		"repeated tag":        {func(n *flows.NewFlow) { n.Tags = []uuid.UUID{globalWindows, globalWindows} }, "body.tags[1]"},
	}
	for name, c := range cases {
		nf := ok
		c.change(&nf)
		_, err := w.svc.CreateFlow(w.olga, nf)
		t.Run(name, func(t *testing.T) { wantField(t, err, c.location) })
	}
	if n := w.count(t, w.admin, `SELECT count(*) FROM flows WHERE tenant_id = $1`); n != 0 {
		t.Errorf("%d flows written by invalid requests", n)
	}
	_, err = w.svc.CreateFlow(w.vera, ok)
	wantKind(t, err, errs.Forbidden, "a viewer creates a flow")
}

// TestFlowVisibility: who sees which flow. A flow the caller cannot see is the one NotFound: a
// private flow of another member, a team flow of another team, any flow of another tenant.
func TestFlowVisibility(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	private := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Private"})
	team := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Team", Visibility: "team", TeamID: w.desk})
	account := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Account", Visibility: "account"})
	sees := map[string]struct {
		ctx  context.Context
		want []uuid.UUID
	}{
		"author":             {w.olga, []uuid.UUID{private.ID, team.ID, account.ID}},
		"team member":        {w.otto, []uuid.UUID{team.ID, account.ID}},
		"viewer in the team": {w.vera, []uuid.UUID{team.ID, account.ID}},
		"other operator":     {w.oscar, []uuid.UUID{account.ID}},
		"admin":              {w.admin, []uuid.UUID{account.ID}},
		"other tenant":       {w.adminB, nil},
	}
	for name, s := range sees {
		t.Run(name, func(t *testing.T) {
			for _, f := range []uuid.UUID{private.ID, team.ID, account.ID} {
				_, err := w.svc.GetFlow(s.ctx, f)
				if slices.Contains(s.want, f) && err != nil {
					t.Errorf("get %s: %v", f, err)
				}
				if !slices.Contains(s.want, f) {
					wantNotFound(t, err, "get a flow one cannot see")
				}
			}
			p, err := w.svc.ListFlowsPage(s.ctx, flows.FlowFilter{}, httpapi.PageInput{})
			if err != nil {
				t.Fatal(err)
			}
			var got []uuid.UUID
			for _, f := range p.Items {
				got = append(got, f.ID)
			}
			slices.SortFunc(got, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
			want := slices.Clone(s.want)
			slices.SortFunc(want, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
			if !slices.Equal(got, want) {
				t.Errorf("list: %v, want %v", got, want)
			}
		})
	}
}

// TestFlowEditRule: 404 when the flow is not visible, 403 when visible but not editable, and
// nothing changes in either case.
func TestFlowEditRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	team := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Team", Visibility: "team", TeamID: w.desk})
	account := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Account", Visibility: "account"})
	private := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Private"})
	title := "Changed"
	type edit func(ctx context.Context, id uuid.UUID) error
	edits := map[string]edit{
		"update": func(ctx context.Context, id uuid.UUID) error {
			_, err := w.svc.UpdateFlow(ctx, id, flows.FlowPatch{Title: &title})
			return err
		},
		"visibility": func(ctx context.Context, id uuid.UUID) error {
			_, err := w.svc.SetVisibility(ctx, id, "account", uuid.Nil)
			return err
		},
		"draft": func(ctx context.Context, id uuid.UUID) error {
			_, err := w.svc.SaveDraft(ctx, id, validGraph())
			return err
		},
		"publish": func(ctx context.Context, id uuid.UUID) error {
			_, err := w.svc.Publish(ctx, id)
			return err
		},
		"delete": func(ctx context.Context, id uuid.UUID) error { return w.svc.DeleteFlow(ctx, id) },
	}
	cases := []struct {
		who  string
		ctx  context.Context
		flow uuid.UUID
		want errs.Kind // Internal: allowed
	}{
		{"other operator, account flow", w.oscar, account.ID, errs.Forbidden},
		{"viewer in the team, team flow", w.vera, team.ID, errs.Forbidden},
		{"viewer, account flow", w.vera, account.ID, errs.Forbidden},
		{"other operator, team flow", w.oscar, team.ID, errs.NotFound},
		{"admin, private flow", w.admin, private.ID, errs.NotFound},
		{"team member, private flow", w.otto, private.ID, errs.NotFound},
		{"other tenant, account flow", w.adminB, account.ID, errs.NotFound},
		{"random id", w.olga, uuid.New(), errs.NotFound},
	}
	for _, c := range cases {
		for name, e := range edits {
			err := e(c.ctx, c.flow)
			if c.want == errs.NotFound {
				wantNotFound(t, err, c.who+": "+name)
			} else if !errs.Is(err, c.want) {
				t.Errorf("%s: %s: want %s, got %v", c.who, name, c.want, err)
			}
		}
	}
	for _, id := range []uuid.UUID{team.ID, account.ID, private.ID} {
		f, err := w.svc.GetFlow(w.olga, id)
		if err != nil || f.Title == title || f.CurrentVersion != nil {
			t.Errorf("refused edits changed %s: %+v, %v", id, f, err)
		}
	}
	// Allowed: a team member on a team flow, an admin on an account flow.
	if _, err := w.svc.UpdateFlow(w.otto, team.ID, flows.FlowPatch{Title: &title}); err != nil {
		t.Errorf("team member edits a team flow: %v", err)
	}
	if _, err := w.svc.UpdateFlow(w.admin, account.ID, flows.FlowPatch{Title: &title}); err != nil {
		t.Errorf("admin edits an account flow: %v", err)
	}
	if f, _ := w.svc.GetFlow(w.otto, team.ID); !f.CanEdit {
		t.Error("can_edit is false for a team member")
	}
}

func TestUpdateFlow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cat, err := w.svc.CreateCategory(w.admin, "Line of business apps", 0)
	if err != nil {
		t.Fatal(err)
	}
	f := w.mustFlow(t, w.olga, flows.NewFlow{CategoryID: globalEmail, Tags: []uuid.UUID{globalWindows}})
	kind, desc := flows.KindMaintenance, "Monthly"
	tags := []uuid.UUID{}
	got, err := w.svc.UpdateFlow(w.olga, f.ID, flows.FlowPatch{Kind: &kind, Description: &desc, CategoryID: &cat.ID, Tags: &tags})
	if err != nil || got.Kind != kind || got.Description != desc || got.Title != f.Title || len(got.Tags) != 0 ||
		got.Category == nil || got.Category.ID != cat.ID || got.Category.Global {
		t.Fatalf("update: %+v, %v", got, err)
	}
	none := uuid.Nil
	if got, _ := w.svc.UpdateFlow(w.olga, f.ID, flows.FlowPatch{CategoryID: &none}); got.Category != nil {
		t.Errorf("category not removed: %+v", got.Category)
	}
	bad := "nope"
	_, err = w.svc.UpdateFlow(w.olga, f.ID, flows.FlowPatch{Title: &desc, Kind: &bad})
	wantField(t, err, "body.kind")
	if got, _ := w.svc.GetFlow(w.olga, f.ID); got.Title != f.Title {
		t.Errorf("an invalid update changed the title: %q", got.Title)
	}
}

func TestSetVisibilityAndDelete(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.mustFlow(t, w.olga, flows.NewFlow{})
	got, err := w.svc.SetVisibility(w.olga, f.ID, "team", w.desk)
	if err != nil || got.Visibility != "team" || got.TeamID == nil || *got.TeamID != w.desk {
		t.Fatalf("to team: %+v, %v", got, err)
	}
	if _, err := w.svc.GetFlow(w.otto, f.ID); err != nil {
		t.Errorf("team member does not see the team flow: %v", err)
	}
	// A team member may widen it, but not make it private: only its author may.
	_, err = w.svc.SetVisibility(w.otto, f.ID, "private", uuid.Nil)
	wantKind(t, err, errs.Forbidden, "team member makes the flow private")
	if got, err = w.svc.SetVisibility(w.otto, f.ID, "account", uuid.Nil); err != nil || got.TeamID != nil {
		t.Fatalf("to account: %+v, %v", got, err)
	}
	_, err = w.svc.SetVisibility(w.olga, f.ID, "team", uuid.Nil)
	wantField(t, err, "body.team_id")
	if _, err = w.svc.SetVisibility(w.olga, f.ID, "team", w.desk); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DeleteFlow(w.otto, f.ID); err != nil {
		t.Fatalf("team member deletes a team flow: %v", err)
	}
	wantNotFound(t, func() error { _, err := w.svc.GetFlow(w.olga, f.ID); return err }(), "get a deleted flow")
	wantNotFound(t, w.svc.DeleteFlow(w.olga, f.ID), "delete twice")
	// The deleted flow let go of its team.
	if n := w.count(t, w.admin, `SELECT count(*) FROM flows WHERE tenant_id = $1 AND team_id IS NOT NULL`); n != 0 {
		t.Errorf("a deleted flow still holds its team")
	}
	want := []string{"flow.create", "flow.visibility", "flow.visibility", "flow.visibility", "flow.delete"}
	if got := w.count(t, w.admin, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action LIKE 'flow.%'`); got != len(want) {
		t.Errorf("%d flow audit rows, want %d", got, len(want))
	}
}

func TestListFlowsFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tag, _ := w.svc.CreateTag(w.admin, "printers")
	outlook := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Outlook crashes at start", Description: "Safe mode, profiles",
		Visibility: "account", CategoryID: globalEmail, Tags: []uuid.UUID{globalWindows}})
	vpn := w.mustFlow(t, w.olga, flows.NewFlow{Title: "VPN does not connect", Kind: flows.KindProcedural,
		CategoryID: globalNetwork, Tags: []uuid.UUID{tag.ID}})
	patch := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Monthly patching", Kind: flows.KindMaintenance, Visibility: "team", TeamID: w.desk})
	cases := map[string]struct {
		f    flows.FlowFilter
		want []uuid.UUID
	}{
		"all, newest first":    {flows.FlowFilter{}, []uuid.UUID{patch.ID, vpn.ID, outlook.ID}},
		"words anywhere":       {flows.FlowFilter{Query: "outlook profiles"}, []uuid.UUID{outlook.ID}},
		"part of a word":       {flows.FlowFilter{Query: "conne"}, []uuid.UUID{vpn.ID}},
		"kind":                 {flows.FlowFilter{Kind: flows.KindMaintenance}, []uuid.UUID{patch.ID}},
		"visibility":           {flows.FlowFilter{Visibility: "private"}, []uuid.UUID{vpn.ID}},
		"global category":      {flows.FlowFilter{Category: globalEmail}, []uuid.UUID{outlook.ID}},
		"tenant tag":           {flows.FlowFilter{Tag: tag.ID}, []uuid.UUID{vpn.ID}},
		"global tag":           {flows.FlowFilter{Tag: globalWindows}, []uuid.UUID{outlook.ID}},
		"no match":             {flows.FlowFilter{Query: "printer"}, nil},
		"search and kind":      {flows.FlowFilter{Query: "vpn", Kind: flows.KindTroubleshooting}, nil},
		"another user's flows": {flows.FlowFilter{}, nil}, // checked below as oscar
	}
	for name, c := range cases {
		ctx := w.olga
		want := c.want
		if name == "another user's flows" {
			ctx, want = w.oscar, []uuid.UUID{outlook.ID}
		}
		p, err := w.svc.ListFlowsPage(ctx, c.f, httpapi.PageInput{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []uuid.UUID
		for _, f := range p.Items {
			got = append(got, f.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	// Pages of one walk the same order.
	var got []uuid.UUID
	page := httpapi.PageInput{Limit: 1}
	for {
		p, err := w.svc.ListFlowsPage(w.olga, flows.FlowFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Items {
			got = append(got, f.ID)
			if len(f.Tags) == 0 && f.ID != patch.ID {
				t.Errorf("a listed flow lost its tags: %+v", f)
			}
		}
		if p.NextCursor == "" {
			break
		}
		page.Cursor = p.NextCursor
	}
	if !slices.Equal(got, []uuid.UUID{patch.ID, vpn.ID, outlook.ID}) {
		t.Errorf("paged: %v", got)
	}
}

func TestDrafts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.mustFlow(t, w.olga, flows.NewFlow{Visibility: "account"})
	bad := validGraph()
	bad.Nodes[0].Options[1].Next = "nowhere"
	d, err := w.svc.SaveDraft(w.olga, f.ID, bad)
	if err != nil {
		t.Fatalf("an invalid draft is saved as is: %v", err)
	}
	if len(d.Problems) == 0 || d.Problems[0].NodeID != "start" || d.Problems[0].Field != "nodes[0].options[1].next" {
		t.Errorf("problems: %+v", d.Problems)
	}
	got, err := w.svc.GetDraft(w.oscar, f.ID)
	if err != nil || got.Graph.Nodes[0].Options[1].Next != "nowhere" || len(got.Problems) != len(d.Problems) {
		t.Errorf("draft as another member: %+v, %v", got, err)
	}
	_, err = w.svc.GetDraft(w.adminB, f.ID)
	wantNotFound(t, err, "another tenant's draft")
	if d, err = w.svc.SaveDraft(w.olga, f.ID, validGraph()); err != nil || len(d.Problems) != 0 {
		t.Errorf("valid draft: %+v, %v", d.Problems, err)
	}
	huge := graph.Graph{Nodes: []graph.Node{{ID: "x", Type: graph.TypeInstruction, Title: "x", Body: strings.Repeat("x", 1<<20)}}}
	_, err = w.svc.SaveDraft(w.olga, f.ID, huge)
	wantField(t, err, "body.graph")
}
