package flows_test

import (
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestShareRoutes checks the declarations of the share, settings and analytics operations: their
// access classes and roles, the public link's optional viewer, credential rule, withheld fields
// and rate-limit policy, and that the settings body refuses any key it does not know (422 before
// the handler runs).
func TestShareRoutes(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	srv := httpapi.New(httpapi.Options{Logger: log})
	flows.New(nil, log).ShareRoutes(srv.API(), log)
	if _, err := srv.Handler(); err != nil {
		t.Fatal(err)
	}
	doc := srv.API().OpenAPI()
	owner := func(r tenancy.Role) httpapi.Access { return httpapi.Access{Class: httpapi.OwnerOnly, Role: r} }
	member := func(r tenancy.Role) httpapi.Access { return httpapi.Access{Class: httpapi.Tenant, Role: r} }
	ops := map[string]*huma.Operation{}
	for _, c := range []struct {
		method, path string
		access       httpapi.Access
	}{
		{http.MethodPost, "/api/v1/sessions/{id}/shares", owner(tenancy.RoleOperator)},
		{http.MethodGet, "/api/v1/shares/mine", owner(tenancy.RoleViewer)},
		{http.MethodDelete, "/api/v1/shares/{id}", owner(tenancy.RoleViewer)},
		{http.MethodGet, "/api/v1/share/{token}", httpapi.Access{Class: httpapi.Public, Viewer: true,
			Credential: httpapi.ShareToken, Withholds: "scratchpad,variables,owner_id"}},
		{http.MethodGet, "/api/v1/flows/settings", member(tenancy.RoleAdmin)},
		{http.MethodPatch, "/api/v1/flows/settings", member(tenancy.RoleAdmin)},
		{http.MethodGet, "/api/v1/analytics/flows/{flow_id}", member(tenancy.RoleViewer).Needs(httpapi.Visible)},
	} {
		item := doc.Paths[c.path]
		if item == nil {
			t.Fatalf("%s %s is not registered", c.method, c.path)
		}
		op := map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete}[c.method]
		if a, ok := httpapi.AccessOf(op); !ok || a != c.access {
			t.Errorf("%s %s: access %+v, want %+v", c.method, c.path, a, c.access)
		}
		ops[c.method+" "+c.path] = op
	}
	open := ops["GET /api/v1/share/{token}"]
	if open.Metadata[ratelimit.PolicyKey] != ratelimit.ShareLink {
		t.Errorf("open-share rate-limit policy %v, want %s", open.Metadata[ratelimit.PolicyKey], ratelimit.ShareLink)
	}
	for _, status := range []int{401, 403, 404, 410, 429} {
		if !slices.Contains(open.Errors, status) {
			t.Errorf("open-share does not document %d: %v", status, open.Errors)
		}
	}

	body := ops["PATCH /api/v1/flows/settings"].RequestBody.Content["application/json"].Schema
	validate := func(v map[string]any) []error {
		res := &huma.ValidateResult{}
		huma.Validate(doc.Components.Schemas, body, huma.NewPathBuffer([]byte{}, 0), huma.ModeWriteToServer, v, res)
		return res.Errors
	}
	if errs := validate(map[string]any{"allow_public_shares": true}); len(errs) != 0 {
		t.Errorf("a valid body is refused: %v", errs)
	}
	for _, extra := range []string{"rate_limits", "tenant_id", "allow_public_share"} {
		if errs := validate(map[string]any{"allow_public_shares": true, extra: map[string]any{"principal": 1}}); len(errs) == 0 {
			t.Errorf("the settings body admits the unknown key %q", extra)
		}
	}
}
