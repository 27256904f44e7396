package apikeys

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

type owner struct{}

func (owner) Authenticate(context.Context, httpapi.Credentials) (httpapi.Caller, error) {
	return httpapi.Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: tenancy.UserID(tenancy.NewID())},
		Tenant: tenancy.TenantID(tenancy.NewID()), Role: tenancy.RoleOwner}, nil
}

// TestScopesOfANewKeyAreTheCatalogue: the schema of a new key's scopes enumerates the catalogue
// handed to New, in its order, and request validation refuses any other name before the service runs.
func TestScopesOfANewKeyAreTheCatalogue(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	c, err := tenancy.NewScopeCatalogue([]tenancy.ScopeInfo{{Name: "b:read", MinRole: tenancy.RoleViewer}}, Scopes())
	if err != nil {
		t.Fatal(err)
	}
	srv := httpapi.New(httpapi.Options{Logger: log, Authenticator: owner{}, Scopes: c})
	New(nil, log, c).Routes(srv.API(), log)
	h, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	op := srv.API().OpenAPI().Paths["/api/v1/api-keys"].Post
	body := srv.API().OpenAPI().Components.Schemas.SchemaFromRef(op.RequestBody.Content["application/json"].Schema.Ref)
	if enum := body.Properties["scopes"].Items.Enum; len(enum) != 2 || enum[0] != "b:read" || enum[1] != "api-keys:manage" {
		t.Errorf("scopes enum %v, want [b:read api-keys:manage]", enum)
	}
	w, r := httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/api/v1/api-keys", strings.NewReader(`{"name": "k", "scopes": ["a:read"]}`))
	r.Header.Set("Authorization", "Bearer any")
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"location":"body.scopes[0]"`) ||
		!strings.Contains(w.Body.String(), "b:read, api-keys:manage") {
		t.Errorf("unknown scope: %d %s", w.Code, w.Body)
	}
}
