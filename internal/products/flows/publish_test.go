package flows_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

func TestPublishAndVersions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.mustFlow(t, w.olga, flows.NewFlow{Title: "First title", Visibility: "account", Graph: validGraph()})
	v1, err := w.svc.Publish(w.olga, f.ID)
	if err != nil || v1.Version != 1 || v1.Title != "First title" || v1.PublishedBy != w.ids[w.olga] || v1.Graph == nil {
		t.Fatalf("publish 1: %+v, %v", v1, err)
	}
	title := "Second title"
	if _, err := w.svc.UpdateFlow(w.olga, f.ID, flows.FlowPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	g := validGraph()
	g.Nodes[1].Title = "Restart twice"
	if _, err := w.svc.SaveDraft(w.olga, f.ID, g); err != nil {
		t.Fatal(err)
	}
	v2, err := w.svc.Publish(w.admin, f.ID)
	if err != nil || v2.Version != 2 || v2.Title != title {
		t.Fatalf("publish 2: %+v, %v", v2, err)
	}
	if got, _ := w.svc.GetFlow(w.oscar, f.ID); got.CurrentVersion == nil || *got.CurrentVersion != 2 {
		t.Errorf("current_version: %v", got.CurrentVersion)
	}
	// Version 1 is unchanged: its title and graph, with the same node ids.
	old, err := w.svc.GetVersion(w.vera, f.ID, 1)
	if err != nil || old.Title != "First title" || old.Graph.Nodes[1].Title != "Restart in safe mode" || old.Graph.Nodes[1].ID != "fix" {
		t.Errorf("version 1: %+v, %v", old, err)
	}
	p, err := w.svc.ListVersionsPage(w.vera, f.ID, httpapi.PageInput{Limit: 1})
	if err != nil || len(p.Items) != 1 || p.Items[0].Version != 2 || p.Items[0].Graph != nil || p.NextCursor == "" {
		t.Fatalf("versions page 1: %+v, %v", p, err)
	}
	p, err = w.svc.ListVersionsPage(w.vera, f.ID, httpapi.PageInput{Limit: 1, Cursor: p.NextCursor})
	if err != nil || len(p.Items) != 1 || p.Items[0].Version != 1 || p.NextCursor != "" {
		t.Errorf("versions page 2: %+v, %v", p, err)
	}
	_, err = w.svc.GetVersion(w.vera, f.ID, 3)
	wantNotFound(t, err, "a version that does not exist")
	_, err = w.svc.GetVersion(w.adminB, f.ID, 1)
	wantNotFound(t, err, "another tenant's version")
	_, err = w.svc.ListVersionsPage(w.adminB, f.ID, httpapi.PageInput{})
	wantNotFound(t, err, "another tenant's versions")
	private := w.mustFlow(t, w.olga, flows.NewFlow{Graph: validGraph()})
	if _, err := w.svc.Publish(w.olga, private.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.GetVersion(w.otto, private.ID, 1)
	wantNotFound(t, err, "a version of another member's private flow")
}

// TestPublishInvalid: a draft that fails graph.Validate is Invalid with field errors located at the
// node and naming it, and nothing is written: no version, no current_version, no audit row.
func TestPublishInvalid(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := validGraph()
	g.Nodes[0].Options[1].Next = "nowhere"
	f := w.mustFlow(t, w.olga, flows.NewFlow{Graph: g})
	_, err := w.svc.Publish(w.olga, f.ID)
	msg := wantField(t, err, "body.graph.nodes[0].options[1].next")
	if !strings.Contains(msg, `node "start"`) {
		t.Errorf("the message does not name the node: %q", msg)
	}
	var ve *graph.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].NodeID != "start" {
		t.Errorf("the cause is not the graph's ValidationError: %v", err)
	}
	empty := w.mustFlow(t, w.olga, flows.NewFlow{})
	_, err = w.svc.Publish(w.olga, empty.ID)
	wantField(t, err, "body.graph.nodes")
	if n := w.count(t, w.olga, `SELECT count(*) FROM flow_versions WHERE tenant_id = $1`); n != 0 {
		t.Errorf("%d versions written by refused publications", n)
	}
	if got, _ := w.svc.GetFlow(w.olga, f.ID); got.CurrentVersion != nil {
		t.Errorf("current_version set: %d", *got.CurrentVersion)
	}
	if n := w.count(t, w.olga, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'flow.publish'`); n != 0 {
		t.Errorf("%d flow.publish audit rows for refused publications", n)
	}
}

// TestPublishSubflows: a sub-flow node must open a published flow the caller can see, and no cycle
// may form across the tenant's published versions.
func TestPublishSubflows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	leaf := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Leaf", Visibility: "account", Graph: validGraph()})
	unpublished := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Unpublished", Visibility: "account", Graph: validGraph()})
	hidden := w.mustFlow(t, w.oscar, flows.NewFlow{Title: "Oscar's", Graph: validGraph()})
	otherTenant := w.mustFlow(t, w.adminB, flows.NewFlow{Visibility: "account", Graph: validGraph()})
	for ctx, id := range map[context.Context]uuid.UUID{w.olga: leaf.ID, w.oscar: hidden.ID, w.adminB: otherTenant.ID} {
		if _, err := w.svc.Publish(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	root := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Root", Visibility: "account"})
	for name, target := range map[string]uuid.UUID{"unpublished": unpublished.ID, "not visible": hidden.ID,
		"another tenant's": otherTenant.ID, "random": uuid.New()} {
		if _, err := w.svc.SaveDraft(w.olga, root.ID, validGraph(target)); err != nil {
			t.Fatal(err)
		}
		_, err := w.svc.Publish(w.olga, root.ID)
		msg := wantField(t, err, "body.graph.nodes[3].flow_id")
		if !strings.Contains(msg, `node "sub0"`) {
			t.Errorf("%s: %q", name, msg)
		}
	}
	// root → leaf publishes; then leaf → root would close a cycle.
	if _, err := w.svc.SaveDraft(w.olga, root.ID, validGraph(leaf.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Publish(w.olga, root.ID); err != nil {
		t.Fatalf("publish root → leaf: %v", err)
	}
	if _, err := w.svc.SaveDraft(w.olga, leaf.ID, validGraph(root.ID)); err != nil {
		t.Fatal(err)
	}
	_, err := w.svc.Publish(w.olga, leaf.ID)
	msg := wantField(t, err, "body.graph.nodes[3].flow_id")
	want := leaf.ID.String() + " → " + root.ID.String() + " → " + leaf.ID.String()
	if !strings.Contains(msg, want) {
		t.Errorf("cycle message %q does not name %s", msg, want)
	}
	var ce *graph.CycleError
	if !errors.As(err, &ce) {
		t.Errorf("the cause is not the graph's CycleError: %v", err)
	}
	// A flow that opens itself.
	if _, err := w.svc.SaveDraft(w.olga, leaf.ID, validGraph(leaf.ID)); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.Publish(w.olga, leaf.ID)
	wantField(t, err, "body.graph.nodes[3].flow_id")
}

// TestConcurrentPublish: eight concurrent publications of one flow make versions 1 to 8, each once,
// and every one of them succeeds.
func TestConcurrentPublish(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.mustFlow(t, w.olga, flows.NewFlow{Visibility: "team", TeamID: w.desk, Graph: validGraph()})
	const n = 8
	var wg sync.WaitGroup
	versions := make([]int32, n)
	failed := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := w.olga
			if i%2 == 1 {
				ctx = w.otto
			}
			v, err := w.svc.Publish(ctx, f.ID)
			versions[i], failed[i] = v.Version, err
		}()
	}
	wg.Wait()
	for i, err := range failed {
		if err != nil {
			t.Errorf("publication %d: %v", i, err)
		}
	}
	slices.Sort(versions)
	if fmt.Sprint(versions) != "[1 2 3 4 5 6 7 8]" {
		t.Errorf("versions %v, want 1..8", versions)
	}
	if got, _ := w.svc.GetFlow(w.olga, f.ID); got.CurrentVersion == nil || *got.CurrentVersion != n {
		t.Errorf("current_version %v, want %d", got.CurrentVersion, n)
	}
}

func TestFork(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tag, _ := w.svc.CreateTag(w.admin, "outlook")
	src := w.mustFlow(t, w.olga, flows.NewFlow{Title: "Outlook", Description: "D", Kind: flows.KindProcedural, Visibility: "team",
		TeamID: w.desk, CategoryID: globalEmail, Tags: []uuid.UUID{tag.ID, globalWindows}, Graph: validGraph()})
	// Never published: the fork copies the draft.
	fork, err := w.svc.Fork(w.otto, src.ID, flows.ForkInput{Reason: "our mail setup"})
	if err != nil {
		t.Fatal(err)
	}
	if fork.Title != "Outlook (fork)" || fork.Visibility != "private" || fork.AuthorID != w.ids[w.otto] || fork.ParentFlowID == nil ||
		*fork.ParentFlowID != src.ID || fork.ForkReason != "our mail setup" || fork.Kind != src.Kind || fork.Description != "D" ||
		fork.Category == nil || fork.Category.ID != globalEmail || len(fork.Tags) != 2 || fork.CurrentVersion != nil {
		t.Errorf("fork: %+v", fork)
	}
	d, _ := w.svc.GetDraft(w.otto, fork.ID)
	if len(d.Graph.Nodes) != 3 || d.Graph.Nodes[0].ID != "start" {
		t.Errorf("fork's draft: %+v", d.Graph)
	}
	// Published: the fork copies the latest published graph, not the newer draft.
	if _, err := w.svc.Publish(w.olga, src.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SaveDraft(w.olga, src.ID, graph.Graph{}); err != nil {
		t.Fatal(err)
	}
	fork2, err := w.svc.Fork(w.olga, src.ID, flows.ForkInput{Title: "Mine"})
	if err != nil || fork2.Title != "Mine" {
		t.Fatalf("fork 2: %+v, %v", fork2, err)
	}
	if d, _ := w.svc.GetDraft(w.olga, fork2.ID); len(d.Graph.Nodes) != 3 {
		t.Errorf("fork of a published flow: %+v", d.Graph)
	}
	_, err = w.svc.Fork(w.oscar, src.ID, flows.ForkInput{})
	wantNotFound(t, err, "fork of a flow one cannot see")
	_, err = w.svc.Fork(w.adminB, src.ID, flows.ForkInput{})
	wantNotFound(t, err, "fork of another tenant's flow")
	_, err = w.svc.Fork(w.vera, src.ID, flows.ForkInput{})
	wantKind(t, err, errs.Forbidden, "a viewer forks")
	if _, err := w.svc.GetFlow(w.olga, fork.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("a fork is private to its author: %v", err)
	}
}
