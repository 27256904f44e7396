package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// viewerAuth accepts the bearer token "good" as a member of one tenant and counts its calls.
type viewerAuth struct {
	user  tenancy.UserID
	calls atomic.Int32
}

func (a *viewerAuth) Authenticate(_ context.Context, c Credentials) (Caller, error) {
	a.calls.Add(1)
	if c.Bearer != "good" {
		return Caller{}, errs.ErrUnauthorized
	}
	return Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: a.user},
		Tenant: tenancy.TenantID(tenancy.NewID()), Role: tenancy.RoleViewer}, nil
}

type viewerOut struct {
	Body struct {
		Viewer    string `json:"viewer"`
		Principal bool   `json:"principal"` // the request carries a principal or scope (it must not)
	}
}

func viewerServer(t *testing.T, auth Authenticator) (*httptest.Server, huma.API) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	s := New(Options{Logger: log, Authenticator: auth})
	h := func(ctx context.Context, _ *struct{}) (*viewerOut, error) {
		out := &viewerOut{}
		if c, ok := ViewerFrom(ctx); ok {
			out.Body.Viewer = c.Principal.UserID.String()
		}
		_, perr := tenancy.PrincipalFromContext(ctx)
		_, serr := tenancy.FromContext(ctx)
		out.Body.Principal = perr == nil || serr == nil
		return out, nil
	}
	Register(s.API(), log, huma.Operation{OperationID: "open-thing", Method: http.MethodGet, Path: "/open"}, Access{Class: Public, Viewer: true}, h)
	Register(s.API(), log, huma.Operation{OperationID: "plain-thing", Method: http.MethodGet, Path: "/plain"}, Access{Class: Public}, h)
	handler, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv, s.API()
}

// TestPublicViewer: a Public operation declared with Viewer reads an optional access token; a
// valid one names the viewer, anything else leaves the request anonymous and is never refused.
func TestPublicViewer(t *testing.T) {
	t.Parallel()
	auth := &viewerAuth{user: tenancy.UserID(tenancy.NewID())}
	srv, api := viewerServer(t, auth)
	cases := []struct {
		name, path, bearer, apiKey string
		viewer                     bool
		authCalls                  int32
	}{
		{"no token", "/open", "", "", false, 0},
		{"valid token", "/open", "good", "", true, 1},
		{"invalid token is ignored", "/open", "forged", "", false, 1},
		{"staff grant token is not read", "/open", StaffTokenPrefix + "x", "", false, 0},
		{"a second credential: anonymous", "/open", "good", "key", false, 0},
		{"public operation without Viewer reads nothing", "/plain", "good", "", false, 0},
	}
	for _, c := range cases {
		before := auth.calls.Load()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+c.path, nil)
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		if c.apiKey != "" {
			req.Header.Set("X-API-Key", c.apiKey)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		var out viewerOut
		if res.StatusCode != http.StatusOK || json.Unmarshal(body, &out.Body) != nil {
			t.Fatalf("%s: %d %s", c.name, res.StatusCode, body)
		}
		if got := out.Body.Viewer == auth.user.String(); got != c.viewer || (!c.viewer && out.Body.Viewer != "") {
			t.Errorf("%s: viewer %q, want viewer=%v", c.name, out.Body.Viewer, c.viewer)
		}
		if out.Body.Principal {
			t.Errorf("%s: the request carries a principal or scope; it must stay anonymous (rate limits per address)", c.name)
		}
		if n := auth.calls.Load() - before; n != c.authCalls {
			t.Errorf("%s: authenticator called %d times, want %d", c.name, n, c.authCalls)
		}
	}
	op := api.OpenAPI().Paths["/open"].Get
	if ext, _ := op.Extensions[AccessExtension].(map[string]any); ext["viewer"] != true {
		t.Errorf("extension %v: want viewer true", op.Extensions[AccessExtension])
	}
	if len(op.Security) != 2 || len(op.Security[0]) != 0 {
		t.Errorf("security %v: want the bearer token optional", op.Security)
	}
	if plain := api.OpenAPI().Paths["/plain"].Get; plain.Security == nil || len(plain.Security) != 0 || plain.Extensions[AccessExtension].(map[string]any)["viewer"] != nil {
		t.Errorf("plain public operation: want security [] and no viewer: %v %v", plain.Security, plain.Extensions[AccessExtension])
	}
}

func TestViewerOnlyOnPublic(t *testing.T) {
	for _, a := range []Access{{Class: Authenticated, Viewer: true}, {Class: Tenant, Role: tenancy.RoleViewer, Viewer: true},
		{Class: OwnerOnly, Role: tenancy.RoleViewer, Viewer: true}, {Class: Platform, Viewer: true}} {
		if a.Validate() == nil {
			t.Errorf("%+v validated", a)
		}
	}
	if err := (Access{Class: Public, Viewer: true}).Validate(); err != nil {
		t.Error(err)
	}
}
