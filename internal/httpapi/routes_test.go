package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/tenancy"
)

func testServer(t *testing.T, scopes ...string) *Server {
	t.Helper()
	var infos []tenancy.ScopeInfo
	for _, s := range scopes {
		infos = append(infos, tenancy.ScopeInfo{Name: s, MinRole: tenancy.RoleViewer})
	}
	c, err := tenancy.NewScopeCatalogue(infos)
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Logger: slog.New(slog.DiscardHandler), Scopes: c})
}

type thingOutput struct {
	Body struct {
		ID string `json:"id"`
	}
}

func getThing(context.Context, *IDInput) (*thingOutput, error) { return &thingOutput{}, nil }

func deleteThing(context.Context, *IDInput) (*NoContent, error) { return &NoContent{}, nil }

// TestRoutesRow: a row registers the operation it reads as, with its access declaration.
func TestRoutesRow(t *testing.T) {
	srv := testServer(t, "things:read", "things:write")
	rt := NewRoutes(srv.API(), srv.Logger())
	things := rt.Tag("Things")
	Get(things, "/things/{id}", "get-thing", Viewer("things:read"), getThing, "Get a thing", http.StatusNotFound)
	Delete(things, "/things/{id}", "delete-thing", Admin("things:write"), deleteThing, "Delete a thing", 204, 404, 409)
	Add(things, huma.Operation{OperationID: "other", Method: http.MethodPost, Path: "/other", Tags: []string{"Other"}}, Owner(""), getThing)
	if _, err := srv.Handler(); err != nil {
		t.Fatal(err)
	}
	paths := srv.API().OpenAPI().Paths
	get, del, other := paths["/things/{id}"].Get, paths["/things/{id}"].Delete, paths["/other"].Post
	if get.OperationID != "get-thing" || get.Summary != "Get a thing" || !slices.Equal(get.Tags, []string{"Things"}) {
		t.Errorf("get row: %s %q %v", get.OperationID, get.Summary, get.Tags)
	}
	if a, _ := AccessOf(get); a != (Access{Class: Tenant, Role: tenancy.RoleViewer, Scope: "things:read"}) {
		t.Errorf("get access: %+v", a)
	}
	if get.DefaultStatus != 200 || get.Responses["404"] == nil {
		t.Errorf("get statuses: default %d, responses %v", get.DefaultStatus, keys(get.Responses))
	}
	if del.DefaultStatus != 204 || del.Responses["409"] == nil || del.Responses["404"] == nil {
		t.Errorf("delete statuses: default %d, responses %v", del.DefaultStatus, keys(del.Responses))
	}
	if a, _ := AccessOf(del); a.Role != tenancy.RoleAdmin || a.Scope != "things:write" {
		t.Errorf("delete access: %+v", a)
	}
	if !slices.Equal(other.Tags, []string{"Other"}) {
		t.Errorf("Add replaced the operation's own tags: %v", other.Tags)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestHandlerRefusesUnknownScope: an operation naming a scope outside the catalogue stops the
// server at start-up.
func TestHandlerRefusesUnknownScope(t *testing.T) {
	srv := testServer(t, "things:read")
	rt := NewRoutes(srv.API(), srv.Logger())
	Get(rt, "/a/{id}", "get-a", Viewer("things:read"), getThing, "A")
	Get(rt, "/b/{id}", "get-b", Viewer("thing:read"), getThing, "B")
	_, err := srv.Handler()
	if err == nil || !strings.Contains(err.Error(), "GET /b/{id} (thing:read)") || strings.Contains(err.Error(), "/a/") {
		t.Errorf("Handler: %v, want a refusal naming GET /b/{id} only", err)
	}
	empty := New(Options{Logger: slog.New(slog.DiscardHandler)})
	Get(NewRoutes(empty.API(), empty.Logger()), "/a/{id}", "get-a", Viewer("things:read"), getThing, "A")
	if _, err := empty.Handler(); err == nil {
		t.Error("a server without a scope catalogue accepted an operation with a scope")
	}
}
