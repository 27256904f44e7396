package flows_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestSessionRoutes checks the access declarations of the sessions and step-library operations:
// sessions are owner-only for operators (never API keys), the library is for members (viewers
// read and rate, operators write; no API keys, since visibility depends on the calling user), and
// the operations on one step declare the visibility rule (a step that cannot be seen, or edited
// for a change, is a 404); and the export documents its three media types.
func TestSessionRoutes(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	srv := httpapi.New(httpapi.Options{Logger: log})
	flows.New(nil, log).SessionRoutes(srv.API(), log)
	if _, err := srv.Handler(); err != nil {
		t.Fatal(err)
	}
	own := httpapi.Access{Class: httpapi.OwnerOnly, Role: tenancy.RoleOperator}
	read := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleViewer}
	write := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleOperator}
	readSeen, writeSeen := read.Needs(httpapi.Visible), write.Needs(httpapi.Visible)
	edit := write.Needs(httpapi.EditableOr404)
	const s = "/api/v1/sessions/{id}"
	cases := []struct {
		method, path string
		access       httpapi.Access
	}{
		{http.MethodPost, "/api/v1/sessions", own}, {http.MethodGet, "/api/v1/sessions", own},
		{http.MethodPost, "/api/v1/sessions/prepare", own}, {http.MethodGet, s, own}, {http.MethodPatch, s, own},
		{http.MethodPost, s + "/start", own}, {http.MethodPost, s + "/decisions", own}, {http.MethodPost, s + "/back", own},
		{http.MethodPost, s + "/custom-steps", own}, {http.MethodPatch, s + "/custom-steps/{step_id}", own},
		{http.MethodDelete, s + "/custom-steps/{step_id}", own}, {http.MethodPut, s + "/scratchpad", own},
		{http.MethodPatch, s + "/variables", own}, {http.MethodPost, s + "/complete", own},
		{http.MethodPost, s + "/abandon", own}, {http.MethodGet, s + "/export", own},
		{http.MethodGet, "/api/v1/steps", read}, {http.MethodPost, "/api/v1/steps", write},
		{http.MethodGet, "/api/v1/steps/{id}", readSeen}, {http.MethodPatch, "/api/v1/steps/{id}", edit},
		{http.MethodDelete, "/api/v1/steps/{id}", edit}, {http.MethodPost, "/api/v1/steps/{id}/save-to-library", writeSeen},
		{http.MethodPut, "/api/v1/steps/{id}/rating", readSeen},
	}
	doc := srv.API().OpenAPI()
	registered := 0
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/sessions") && !strings.HasPrefix(path, "/api/v1/steps") {
			continue
		}
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch} {
			if op != nil {
				registered++
			}
		}
	}
	if registered != len(cases) {
		t.Errorf("%d operations registered, %d declared here", registered, len(cases))
	}
	for _, c := range cases {
		item := doc.Paths[c.path]
		if item == nil {
			t.Fatalf("%s %s is not registered", c.method, c.path)
		}
		op := map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch, http.MethodDelete: item.Delete}[c.method]
		if a, ok := httpapi.AccessOf(op); !ok || a != c.access {
			t.Errorf("%s %s: access %+v, want %+v", c.method, c.path, a, c.access)
		}
	}
	export := doc.Paths[s+"/export"].Get.Responses["200"].Content
	for _, ct := range []string{"text/markdown", "text/plain", "text/html"} {
		if export[ct] == nil {
			t.Errorf("the export does not document %s", ct)
		}
	}
	if export["application/json"] != nil {
		t.Errorf("the export documents JSON")
	}
}
