package flows_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAPICatalogue drives categories and tags through HTTP: global and tenant rows side by side,
// global ones read-only, counts per tenant.
func TestAPICatalogue(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	s.run(t, "GlobalAndTenantRows", testCatalogueLists)
	s.run(t, "GlobalRowsAreReadOnly", testGlobalReadOnly)
	s.run(t, "TenantRows", testTenantCatalogue)
	s.run(t, "CountsArePerTenant", testCatalogueCounts)
}

// testCatalogueLists: a tenant lists the global rows and its own, never another tenant's.
func testCatalogueLists(t *testing.T, s flowsAPI) {
	a, b := s.Register("cl-a"), s.Register("cl-b")
	s.Must(201, "POST", "/api/v1/flow-categories", a.Access, map[string]any{"name": "Internal", "sort": 15})
	s.Must(201, "POST", "/api/v1/flow-tags", a.Access, map[string]any{"name": "hq"})
	s.Must(201, "POST", "/api/v1/flow-categories", b.Access, map[string]any{"name": "B secret"})
	s.Must(201, "POST", "/api/v1/flow-tags", b.Access, map[string]any{"name": "bsecret"})
	categories := s.pages(a, "/api/v1/flow-categories", 3)
	if got := field(categories, "name"); !slices.Equal(got, []string{"Email & Office", "Internal", "Network & VPN", "Accounts & Access",
		"Onboarding & Offboarding", "Hardware & Peripherals", "Printing", "Security", "Maintenance"}) {
		t.Errorf("categories by sort, in pages of 3: %v", got)
	}
	if got := field(categories, "global"); slices.Index(got, "false") != 1 || slices.Contains(got[2:], "false") {
		t.Errorf("global flags: %v", got)
	}
	tags := field(s.pages(a, "/api/v1/flow-tags", 4), "name")
	if !slices.Contains(tags, "hq") || !slices.Contains(tags, "windows") || slices.Contains(tags, "bsecret") || len(tags) != 9 {
		t.Errorf("tags: %v", tags)
	}
	if got := field(items(s.Must(200, "GET", "/api/v1/flow-tags?q=WIN", a.Access, nil)), "name"); !slices.Equal(got, []string{"windows"}) {
		t.Errorf("tags matching WIN: %v", got)
	}
	if got := field(items(s.Must(200, "GET", "/api/v1/flow-categories?q=secret", a.Access, nil)), "name"); len(got) != 0 {
		t.Errorf("A finds B's category: %v", got)
	}
}

// testGlobalReadOnly: no tenant changes a global row (403, nothing changes); only admins manage
// the tenant's own rows.
func testGlobalReadOnly(t *testing.T, s flowsAPI) {
	o := s.office("cro", "olga:operator")
	owner, olga := o.owner, o.m("olga")
	for _, c := range []struct {
		method, path string
		body         any
		detail       string
	}{
		{"PATCH", "/api/v1/flow-categories/" + globalEmail.String(), map[string]any{"name": "Mine"}, "global categories are read-only"},
		{"DELETE", "/api/v1/flow-categories/" + globalEmail.String(), nil, "global categories are read-only"},
		{"PATCH", "/api/v1/flow-tags/" + globalWindows.String(), map[string]any{"name": "mine"}, "global tags are read-only"},
		{"DELETE", "/api/v1/flow-tags/" + globalWindows.String(), nil, "global tags are read-only"},
	} {
		if p := wantProblem(t, s.Do(c.method, c.path, owner.Access, c.body), http.StatusForbidden, ""); p != nil && p["detail"] != c.detail {
			t.Errorf("%s %s: %v", c.method, c.path, p["detail"])
		}
	}
	if got := s.Must(200, "GET", "/api/v1/flow-categories/"+globalEmail.String(), olga.Access, nil); got["name"] != "Email & Office" || got["global"] != true {
		t.Errorf("the global category after the refusals: %v", got)
	}
	if n := s.Count(`SELECT count(*) FROM flow_global_tags WHERE name = 'windows'`); n != 1 {
		t.Error("the global tag changed")
	}
	wantProblem(t, s.Do("POST", "/api/v1/flow-categories", olga.Access, map[string]any{"name": "Mine"}), http.StatusForbidden, "")
	wantProblem(t, s.Do("POST", "/api/v1/flow-tags", olga.Access, map[string]any{"name": "mine"}), http.StatusForbidden, "")
}

// testTenantCatalogue: an admin creates, renames and deletes the tenant's rows; names are unique
// in the tenant (any case) but may repeat a global name; a deleted row leaves its flows.
func testTenantCatalogue(t *testing.T, s flowsAPI) {
	a := s.Register("ctc")
	cat := s.Must(201, "POST", "/api/v1/flow-categories", a.Access, map[string]any{"name": "Line of business"})
	if cat["global"] != false || cat["flow_count"] != 0.0 {
		t.Errorf("created: %v", cat)
	}
	id := cat["id"].(string)
	if r := s.Do("POST", "/api/v1/flow-categories", a.Access, map[string]any{"name": "LINE OF BUSINESS"}); r.Status != http.StatusConflict {
		t.Errorf("the same name in another case: %d", r.Status)
	}
	s.Must(201, "POST", "/api/v1/flow-categories", a.Access, map[string]any{"name": "Printing"}) // a global name
	s.Must(200, "PATCH", "/api/v1/flow-categories/"+id, a.Access, map[string]any{"name": "LOB apps", "sort": 5})
	tag := s.Must(201, "POST", "/api/v1/flow-tags", a.Access, map[string]any{"name": "sap"})["id"].(string)
	s.Must(200, "PATCH", "/api/v1/flow-tags/"+tag, a.Access, map[string]any{"name": "sap-gui"})
	wantProblem(t, s.Do("POST", "/api/v1/flow-tags", a.Access, map[string]any{"name": ""}), http.StatusUnprocessableEntity, "body.name")
	flow := s.flow(a, "SAP login", map[string]any{"category_id": id, "tags": []string{tag, globalWindows.String()}})
	if c := flow["category"].(map[string]any); c["name"] != "LOB apps" || c["global"] != false {
		t.Errorf("the flow's category: %v", c)
	}
	s.Must(204, "DELETE", "/api/v1/flow-categories/"+id, a.Access, nil)
	s.Must(204, "DELETE", "/api/v1/flow-tags/"+tag, a.Access, nil)
	got := s.Must(200, "GET", "/api/v1/flows/"+flow["id"].(string), a.Access, nil)
	if got["category"] != nil || len(got["tags"].([]any)) != 1 {
		t.Errorf("the flow after its category and a tag were deleted: %v", got)
	}
	for action, want := range map[string]int{"flow_category.create": 2, "flow_category.update": 1, "flow_category.delete": 1,
		"flow_tag.create": 1, "flow_tag.rename": 1, "flow_tag.delete": 1} {
		if n := s.auditCount(a.TenantID, action); n != want {
			t.Errorf("%s: %d audit rows, want %d", action, n, want)
		}
	}
}

// testCatalogueCounts: two tenants file flows under the same global category and tag; each sees
// only its own tenant's live flows in the counts (the seed's tree_count fix).
func testCatalogueCounts(t *testing.T, s flowsAPI) {
	a, b := s.Register("cc-a"), s.Register("cc-b")
	printing := map[string]any{"category_id": globalPrinting.String(), "tags": []string{globalWindows.String()}}
	s.flow(a, "Printer offline", printing)
	s.flow(a, "Printer jams", printing)
	gone := s.flow(a, "Old printer", printing)["id"].(string)
	s.Must(204, "DELETE", "/api/v1/flows/"+gone, a.Access, nil)
	s.flow(b, "Printer offline", printing)
	for _, c := range []struct {
		who  apitest.Account
		want float64
	}{{a, 2}, {b, 1}} {
		cat := s.Must(200, "GET", "/api/v1/flow-categories/"+globalPrinting.String(), c.who.Access, nil)
		tag := s.Must(200, "GET", "/api/v1/flow-tags/"+globalWindows.String(), c.who.Access, nil)
		if cat["flow_count"] != c.want || tag["flow_count"] != c.want {
			t.Errorf("%s: category count %v, tag count %v, want %v", c.who.Email, cat["flow_count"], tag["flow_count"], c.want)
		}
	}
}
