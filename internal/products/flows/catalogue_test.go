package flows_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2/humatest"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/parking"
)

func TestCategories(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mine, err := w.svc.CreateCategory(w.admin, " Line of business apps ", 5)
	if err != nil || mine.Name != "Line of business apps" || mine.Global || mine.FlowCount == nil || *mine.FlowCount != 0 {
		t.Fatalf("create: %+v, %v", mine, err)
	}
	_, err = w.svc.CreateCategory(w.admin, "LINE OF BUSINESS APPS", 0)
	wantKind(t, err, errs.Conflict, "duplicate name")
	if _, err := w.svc.CreateCategory(w.admin, "Printing", 0); err != nil {
		t.Errorf("a global category's name may be reused: %v", err)
	}
	_, err = w.svc.CreateCategory(w.olga, "Mine", 0)
	wantKind(t, err, errs.Forbidden, "an operator creates a category")
	_, err = w.svc.CreateCategory(w.admin, "Bad", -1)
	wantField(t, err, "body.sort")
	theirs, err := w.svc.CreateCategory(w.adminB, "B's", 0)
	if err != nil {
		t.Fatal(err)
	}
	// The list: 8 global categories and the tenant's two, by sort then name, in pages of 3.
	var names []string
	var globals int
	page := httpapi.PageInput{Limit: 3}
	for {
		p, err := w.svc.ListCategoriesPage(w.vera, "", page)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			names = append(names, c.Name)
			if c.Global {
				globals++
			}
		}
		if p.NextCursor == "" {
			break
		}
		page.Cursor = p.NextCursor
	}
	if len(names) != 10 || globals != 8 || names[0] != "Printing" || names[1] != "Line of business apps" || names[2] != "Email & Office" {
		t.Errorf("list: %v (%d global)", names, globals)
	}
	if p, _ := w.svc.ListCategoriesPage(w.vera, "print", httpapi.PageInput{}); len(p.Items) != 2 {
		t.Errorf("search: %+v", p.Items)
	}
	// Changes: the tenant's own (admins); a global one is Forbidden; B's is NotFound.
	name, sort := "LOB apps", int32(7)
	got, err := w.svc.UpdateCategory(w.admin, mine.ID, flows.CategoryPatch{Name: &name, Sort: &sort})
	if err != nil || got.Name != name || got.Sort != 7 {
		t.Errorf("update: %+v, %v", got, err)
	}
	_, err = w.svc.UpdateCategory(w.admin, globalEmail, flows.CategoryPatch{Name: &name})
	wantKind(t, err, errs.Forbidden, "update a global category")
	wantKind(t, w.svc.DeleteCategory(w.admin, globalEmail), errs.Forbidden, "delete a global category")
	_, err = w.svc.UpdateCategory(w.admin, theirs.ID, flows.CategoryPatch{Name: &name})
	wantNotFound(t, err, "update another tenant's category")
	wantNotFound(t, w.svc.DeleteCategory(w.admin, theirs.ID), "delete another tenant's category")
	_, err = w.svc.GetCategory(w.admin, theirs.ID)
	wantNotFound(t, err, "get another tenant's category")
	if p, _ := w.svc.ListCategoriesPage(w.admin, "B's", httpapi.PageInput{}); len(p.Items) != 0 {
		t.Errorf("another tenant's category is listed: %+v", p.Items)
	}
	// Deleting a category leaves its flows without one.
	f := w.mustFlow(t, w.olga, flows.NewFlow{CategoryID: mine.ID})
	if err := w.svc.DeleteCategory(w.admin, mine.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := w.svc.GetFlow(w.olga, f.ID); err != nil || got.Category != nil {
		t.Errorf("flow of a deleted category: %+v, %v", got.Category, err)
	}
	wantNotFound(t, w.svc.DeleteCategory(w.admin, mine.ID), "delete twice")
}

// TestCategoryCountIsPerTenant: flows of two tenants under the same global category; each tenant's
// flow_count counts only its own live flows (and only those the caller can see).
func TestCategoryCountIsPerTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for range 3 {
		w.mustFlow(t, w.adminB, flows.NewFlow{Visibility: "account", CategoryID: globalEmail, Tags: []uuid.UUID{globalWindows}})
	}
	w.mustFlow(t, w.olga, flows.NewFlow{Visibility: "account", CategoryID: globalEmail, Tags: []uuid.UUID{globalWindows}})
	w.mustFlow(t, w.olga, flows.NewFlow{Visibility: "team", TeamID: w.desk, CategoryID: globalEmail, Tags: []uuid.UUID{globalWindows}})
	deleted := w.mustFlow(t, w.olga, flows.NewFlow{Visibility: "account", CategoryID: globalEmail, Tags: []uuid.UUID{globalWindows}})
	if err := w.svc.DeleteFlow(w.olga, deleted.ID); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		ctx  context.Context
		want int64
	}{"tenant B": {w.adminB, 3}, "olga": {w.olga, 2}, "oscar (not in the team)": {w.oscar, 1}} {
		cat, err := w.svc.GetCategory(c.ctx, globalEmail)
		if err != nil || !cat.Global || cat.FlowCount == nil || *cat.FlowCount != c.want {
			t.Errorf("%s: category %+v, %v; want flow_count %d", name, cat, err, c.want)
		}
		tag, err := w.svc.GetTag(c.ctx, globalWindows)
		if err != nil || !tag.Global || tag.FlowCount == nil || *tag.FlowCount != c.want {
			t.Errorf("%s: tag %+v, %v; want flow_count %d", name, tag, err, c.want)
		}
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mine, err := w.svc.CreateTag(w.admin, "outlook")
	if err != nil || mine.Global {
		t.Fatalf("create: %+v, %v", mine, err)
	}
	_, err = w.svc.CreateTag(w.admin, "Outlook")
	wantKind(t, err, errs.Conflict, "duplicate name")
	_, err = w.svc.CreateTag(w.admin, strings.Repeat("x", 51))
	wantField(t, err, "body.name")
	_, err = w.svc.CreateTag(w.olga, "mine")
	wantKind(t, err, errs.Forbidden, "an operator creates a tag")
	theirs, _ := w.svc.CreateTag(w.adminB, "theirs")
	p, err := w.svc.ListTagsPage(w.vera, "OUT", httpapi.PageInput{})
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != mine.ID {
		t.Errorf("search: %+v, %v", p.Items, err)
	}
	f := w.mustFlow(t, w.olga, flows.NewFlow{Visibility: "account", Tags: []uuid.UUID{mine.ID}})
	got, err := w.svc.RenameTag(w.admin, mine.ID, "outlook-desktop")
	if err != nil || got.Name != "outlook-desktop" || *got.FlowCount != 1 {
		t.Errorf("rename: %+v, %v", got, err)
	}
	_, err = w.svc.RenameTag(w.admin, globalWindows, "win")
	wantKind(t, err, errs.Forbidden, "rename a global tag")
	wantKind(t, w.svc.DeleteTag(w.admin, globalWindows), errs.Forbidden, "delete a global tag")
	_, err = w.svc.RenameTag(w.admin, theirs.ID, "mine")
	wantNotFound(t, err, "rename another tenant's tag")
	wantNotFound(t, w.svc.DeleteTag(w.admin, theirs.ID), "delete another tenant's tag")
	_, err = w.svc.GetTag(w.admin, theirs.ID)
	wantNotFound(t, err, "get another tenant's tag")
	if err := w.svc.DeleteTag(w.admin, mine.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.svc.GetFlow(w.olga, f.ID); len(got.Tags) != 0 {
		t.Errorf("a deleted tag stays on its flow: %+v", got.Tags)
	}
	if n := w.count(t, w.admin, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action LIKE 'flow\_tag.%'`); n != 3 {
		t.Errorf("%d tag audit rows, want 3", n)
	}
}

// TestFlowRoutes registers the flows operations next to the other products' (their schema names
// must not clash) and checks that every one has an access declaration.
func TestFlowRoutes(t *testing.T) {
	_, api := humatest.New(t)
	log := slog.New(slog.DiscardHandler)
	(&identity.Service{}).Routes(api, log)
	(&parking.Service{}).Routes(api, log)
	flows.FlowRoutes(&flows.Service{}, api, log)
	if err := httpapi.CheckDeclared(api); err != nil {
		t.Fatal(err)
	}
	var n int
	for path := range api.OpenAPI().Paths {
		if strings.HasPrefix(path, "/api/v1/flow") {
			n++
		}
	}
	if n != 12 {
		t.Errorf("%d flows paths, want 12", n)
	}
}
