package probe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// fakeAPI is a small in-memory multi-tenant API with the shapes of Tenantry's (registration,
// API keys, invitations, members, sites, spaces nested under sites, devices with DevEUIs, and the
// flows product's shapes in fake_flows_test.go), built on
// the real httpapi layer so the access declarations are enforced as in the service. Each entry of
// bugs plants one isolation bug, so the tests can show the probe finds it.
type fakeAPI struct {
	mu      sync.Mutex
	bugs    map[string]bool
	tenants map[tenancy.TenantID]*fakeTenant
	tokens  map[string]fakeCaller // bearer tokens and API keys
	objects map[uuid.UUID]*fakeObject
	links   map[string]uuid.UUID // share-link tokens
}

type fakeTenant struct {
	id          tenancy.TenantID
	name, slug  string
	allowPublic bool // public share links
}

type fakeCaller struct {
	tenant tenancy.TenantID
	user   tenancy.UserID
	role   tenancy.Role
	scopes []string
	isKey  bool
}

type fakeObject struct {
	tenant  tenancy.TenantID
	kind    string
	id      uuid.UUID
	parent  uuid.UUID
	fields  map[string]any
	owner   tenancy.UserID // who made it (docs, notes, links)
	expires *time.Time     // a link's expiry
}

func (f *fakeAPI) Authenticate(_ context.Context, c httpapi.Credentials) (httpapi.Caller, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cred := c.Bearer
	if c.APIKey != "" {
		cred = c.APIKey
	}
	fc, ok := f.tokens[cred]
	if !ok {
		return httpapi.Caller{}, errs.ErrUnauthorized
	}
	kind := tenancy.PrincipalUser
	if fc.isKey {
		kind = tenancy.PrincipalAPIKey
	}
	return httpapi.Caller{Principal: tenancy.Principal{Kind: kind, UserID: fc.user, KeyID: "k"}, Tenant: fc.tenant, Role: fc.role, Scopes: fc.scopes}, nil
}

func newFake(bugs ...string) *fakeAPI {
	f := &fakeAPI{bugs: map[string]bool{}, tenants: map[tenancy.TenantID]*fakeTenant{}, tokens: map[string]fakeCaller{}, objects: map[uuid.UUID]*fakeObject{}, links: map[string]uuid.UUID{}}
	for _, b := range bugs {
		f.bugs[b] = true
	}
	return f
}

// handler builds the HTTP handler of the fake.
func (f *fakeAPI) handler(t *testing.T) http.Handler {
	log := slog.New(slog.DiscardHandler)
	var scopes []tenancy.ScopeInfo
	for _, name := range []string{"api-keys:manage", "members:read", "sites:read", "sites:write", "spaces:read", "spaces:write", "devices:write"} {
		scopes = append(scopes, tenancy.ScopeInfo{Name: name, MinRole: tenancy.RoleViewer})
	}
	catalogue, err := tenancy.NewScopeCatalogue(scopes)
	if err != nil {
		t.Fatal(err)
	}
	srv := httpapi.New(httpapi.Options{Logger: log, Authenticator: f, Scopes: catalogue})
	api := srv.API()
	role := func(r tenancy.Role, scope string) httpapi.Access {
		return httpapi.Access{Class: httpapi.Tenant, Role: r, Scope: scope}
	}
	op := func(id, method, path string) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, DefaultStatus: map[string]int{"POST": 201, "DELETE": 204}[method]}
		if method == "POST" {
			o = httpapi.WithLocation(o, path+"/{id}")
		}
		return o
	}
	httpapi.Register(api, log, op("register", "POST", "/api/v1/auth/register"), httpapi.Access{Class: httpapi.Public}, f.register)
	httpapi.Register(api, log, op("create-api-key", "POST", "/api/v1/api-keys"), role(tenancy.RoleOwner, ""), f.createKey)
	httpapi.Register(api, log, op("list-api-keys", "GET", "/api/v1/api-keys"), role(tenancy.RoleOwner, "api-keys:manage"), f.lister("api_key"))
	httpapi.Register(api, log, op("invite", "POST", "/api/v1/invitations"), role(tenancy.RoleAdmin, ""), f.invite)
	httpapi.Register(api, log, op("list-invitations", "GET", "/api/v1/invitations"), role(tenancy.RoleAdmin, "members:read"), f.lister("invitation"))
	httpapi.Register(api, log, op("accept", "POST", "/api/v1/invitations/accept"), httpapi.Access{Class: httpapi.Public}, f.accept)
	httpapi.Register(api, log, op("create-site", "POST", "/api/v1/sites"), role(tenancy.RoleAdmin, "sites:write"), f.createSite)
	httpapi.Register(api, log, op("list-sites", "GET", "/api/v1/sites"), role(tenancy.RoleViewer, "sites:read"), f.listSites)
	httpapi.Register(api, log, op("get-site", "GET", "/api/v1/sites/{id}"), role(tenancy.RoleViewer, "sites:read"), f.getSite)
	streamOp := op("site-stream", "GET", "/api/v1/sites/{id}/stream")
	streamOp.Responses = map[string]*huma.Response{"200": {Description: "events",
		Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: huma.TypeString}}}}}
	httpapi.Register(api, log, streamOp, role(tenancy.RoleViewer, "sites:read"), f.siteStream)
	httpapi.Register(api, log, op("create-space", "POST", "/api/v1/sites/{site_id}/spaces"), role(tenancy.RoleAdmin, "spaces:write"), f.createSpace)
	httpapi.Register(api, log, op("get-space", "GET", "/api/v1/sites/{site_id}/spaces/{id}"), role(tenancy.RoleViewer, "spaces:read"), f.getSpace)
	httpapi.Register(api, log, op("search-spaces", "GET", "/api/v1/spaces"), role(tenancy.RoleViewer, "spaces:read"), f.searchSpaces)
	httpapi.Register(api, log, op("update-space", "PATCH", "/api/v1/spaces/{id}"), role(tenancy.RoleAdmin, "spaces:write"), f.updateSpace)
	httpapi.Register(api, log, op("create-device", "POST", "/api/v1/devices"), role(tenancy.RoleAdmin, "devices:write"), f.createDevice)
	httpapi.Register(api, log, op("delete-device", "DELETE", "/api/v1/devices/{id}"), role(tenancy.RoleAdmin, "devices:write"), f.deleteDevice)
	f.flowsRoutes(api, log, op)
	if f.bugs["unprobeable"] {
		httpapi.Register(api, log, op("get-widget", "GET", "/api/v1/widgets/{id}"), role(tenancy.RoleViewer, "sites:read"), f.getSite)
	}
	h, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type registerIn struct {
	Body struct {
		User struct {
			Email    string `json:"email" format:"email"`
			Name     string `json:"name" minLength:"1"`
			Password string `json:"password" minLength:"12"`
		} `json:"user"`
		Tenant struct {
			Name string `json:"name" minLength:"1"`
			Slug string `json:"slug" pattern:"^[a-z0-9-]+$" maxLength:"63"`
		} `json:"tenant"`
	}
}

type anyOut struct{ Body map[string]any }

// view is every object of the fake in responses.
type view struct {
	ID      string `json:"id"`
	Key     string `json:"key,omitempty"`
	Token   string `json:"token,omitempty"`
	Role    string `json:"role,omitempty"`
	Name    string `json:"name,omitempty"`
	Code    string `json:"code,omitempty"`
	Note    string `json:"note,omitempty"`
	DevEUI  string `json:"dev_eui,omitempty"`
	SiteID  string `json:"site_id,omitempty"`
	SpaceID string `json:"space_id,omitempty"`
}

type viewOut struct{ Body view }

func viewOf(fields map[string]any) *viewOut {
	str := func(k string) string { s, _ := fields[k].(string); return s }
	return &viewOut{Body: view{ID: str("id"), Key: str("key"), Token: str("token"), Role: str("role"), Name: str("name"), Code: str("code"),
		Note: str("note"), DevEUI: str("dev_eui"), SiteID: str("site_id"), SpaceID: str("space_id")}}
}

func (f *fakeAPI) register(_ context.Context, in *registerIn) (*anyOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTenant{id: tenancy.TenantID(tenancy.NewID()), name: in.Body.Tenant.Name, slug: in.Body.Tenant.Slug}
	f.tenants[t.id] = t
	user := tenancy.UserID(tenancy.NewID())
	tok := "tok-" + uuid.NewString()
	f.tokens[tok] = fakeCaller{tenant: t.id, user: user, role: tenancy.RoleOwner}
	return &anyOut{Body: map[string]any{"user": map[string]any{"id": user.String()}, "tenant": map[string]any{"id": t.id.String(), "slug": t.slug},
		"session": map[string]any{"access_token": tok}}}, nil
}

func scope(ctx context.Context) tenancy.Scope {
	s, _ := tenancy.FromContext(ctx)
	return s
}

type keyIn struct {
	Body struct {
		Name   string   `json:"name" minLength:"1"`
		Scopes []string `json:"scopes,omitempty"`
	}
}

func (f *fakeAPI) createKey(ctx context.Context, in *keyIn) (*viewOut, error) {
	sc := scope(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	key := "key-" + uuid.NewString()
	f.tokens[key] = fakeCaller{tenant: sc.Tenant, user: sc.Principal.UserID, role: sc.Role, scopes: in.Body.Scopes, isKey: true}
	o := f.add(sc.Tenant, "api_key", uuid.Nil, map[string]any{"name": in.Body.Name})
	return viewOf(map[string]any{"id": o.id.String(), "key": key, "role": string(sc.Role), "name": in.Body.Name}), nil
}

type inviteIn struct {
	Body struct {
		Email string `json:"email" format:"email"`
		Role  string `json:"role" enum:"owner,admin,operator,viewer"`
	}
}

func (f *fakeAPI) invite(ctx context.Context, in *inviteIn) (*viewOut, error) {
	sc := scope(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.add(sc.Tenant, "invitation", uuid.Nil, map[string]any{"email": in.Body.Email})
	tok := "inv-" + uuid.NewString()
	f.tokens["pending:"+tok] = fakeCaller{tenant: sc.Tenant, role: tenancy.Role(in.Body.Role)}
	return viewOf(map[string]any{"id": o.id.String(), "token": tok}), nil
}

type acceptIn struct {
	Body struct {
		Token    string `json:"token"`
		Name     string `json:"name,omitempty"`
		Password string `json:"password"`
	}
}

func (f *fakeAPI) accept(_ context.Context, in *acceptIn) (*anyOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.tokens["pending:"+in.Body.Token]
	if !ok {
		return nil, errs.ErrNotFound
	}
	c.user = tenancy.UserID(tenancy.NewID())
	tok := "tok-" + uuid.NewString()
	f.tokens[tok] = c
	return &anyOut{Body: map[string]any{"access_token": tok}}, nil
}

func (f *fakeAPI) add(t tenancy.TenantID, kind string, parent uuid.UUID, fields map[string]any) *fakeObject {
	o := &fakeObject{tenant: t, kind: kind, id: tenancy.NewID(), parent: parent, fields: fields}
	fields["id"] = o.id.String()
	f.objects[o.id] = o
	return o
}

// get returns an object of the caller's tenant; anyTenant plants the bug of a lookup by id alone.
func (f *fakeAPI) get(ctx context.Context, kind string, id uuid.UUID, anyTenant bool) (*fakeObject, error) {
	o, ok := f.objects[id]
	if !ok || o.kind != kind || (o.tenant != scope(ctx).Tenant && !anyTenant) {
		return nil, errs.ErrNotFound
	}
	return o, nil
}

type siteIn struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"100"`
		Timezone string `json:"timezone"`
	}
}

func (f *fakeAPI) createSite(ctx context.Context, in *siteIn) (*viewOut, error) {
	if in.Body.Timezone != "Europe/Lisbon" {
		return nil, errs.Invalidf("body.timezone", "unknown time zone")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.add(scope(ctx).Tenant, "site", uuid.Nil, map[string]any{"name": in.Body.Name})
	return viewOf(o.fields), nil
}

type idIn struct {
	ID uuid.UUID `path:"id"`
}

func (f *fakeAPI) getSite(ctx context.Context, in *idIn) (*viewOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.get(ctx, "site", in.ID, f.bugs["get-site-any-tenant"])
	if err != nil {
		return nil, err
	}
	return viewOf(o.fields), nil
}

// siteStream is a server-sent-events stream of a site that never ends by itself: its first event
// names the site, then heartbeats until the client leaves. The probe must read a bounded part of
// it (a probe that read to the end would hang). Bug stream-any-tenant: any tenant's site.
func (f *fakeAPI) siteStream(ctx context.Context, in *idIn) (*huma.StreamResponse, error) {
	f.mu.Lock()
	o, err := f.get(ctx, "site", in.ID, f.bugs["stream-any-tenant"])
	var name string
	if err == nil {
		name, _ = o.fields["name"].(string)
	}
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", "text/event-stream")
		hc.SetStatus(http.StatusOK)
		w := hc.BodyWriter().(http.ResponseWriter)
		rc := http.NewResponseController(w)
		raw, _ := json.Marshal(map[string]string{"name": name})
		_, _ = fmt.Fprintf(w, "event: site\ndata: %s\n\n", raw)
		_ = rc.Flush()
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := w.Write([]byte(": heartbeat\n\n")); err != nil || rc.Flush() != nil {
					return
				}
			}
		}
	}}, nil
}

type listOut struct {
	Body struct {
		Items []map[string]any `json:"items"`
	}
}

func (f *fakeAPI) list(ctx context.Context, kind string, keep func(*fakeObject) bool) *listOut {
	out := &listOut{}
	out.Body.Items = []map[string]any{}
	for _, o := range f.objects {
		if o.kind == kind && keep(o) {
			out.Body.Items = append(out.Body.Items, o.fields)
		}
	}
	sort.Slice(out.Body.Items, func(i, j int) bool { return out.Body.Items[i]["id"].(string) < out.Body.Items[j]["id"].(string) })
	return out
}

func (f *fakeAPI) lister(kind string) func(context.Context, *struct{}) (*listOut, error) {
	return func(ctx context.Context, _ *struct{}) (*listOut, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.list(ctx, kind, func(o *fakeObject) bool { return o.tenant == scope(ctx).Tenant }), nil
	}
}

func (f *fakeAPI) listSites(ctx context.Context, _ *struct{}) (*listOut, error) {
	if f.bugs["handler-403"] && scope(ctx).Principal.Kind == tenancy.PrincipalAPIKey {
		return nil, errs.ErrForbidden
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list(ctx, "site", func(o *fakeObject) bool { return o.tenant == scope(ctx).Tenant }), nil
}

type spaceIn struct {
	SiteID uuid.UUID `path:"site_id"`
	Body   struct {
		Code string `json:"code" pattern:"^[A-Z0-9-]{2,10}$"`
		Note string `json:"note" maxLength:"200"`
	}
}

func (f *fakeAPI) createSpace(ctx context.Context, in *spaceIn) (*viewOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.get(ctx, "site", in.SiteID, false); err != nil {
		return nil, err
	}
	o := f.add(scope(ctx).Tenant, "space", in.SiteID, map[string]any{"code": in.Body.Code, "note": in.Body.Note, "site_id": in.SiteID.String()})
	return viewOf(o.fields), nil
}

type childIn struct {
	SiteID uuid.UUID `path:"site_id"`
	ID     uuid.UUID `path:"id"`
}

func (f *fakeAPI) getSpace(ctx context.Context, in *childIn) (*viewOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.get(ctx, "space", in.ID, false)
	if err != nil || (o.parent != in.SiteID && !f.bugs["child-ignores-parent"]) {
		return nil, errs.ErrNotFound
	}
	return viewOf(o.fields), nil
}

type searchIn struct {
	SiteID string `query:"site_id" format:"uuid"`
}

func (f *fakeAPI) searchSpaces(ctx context.Context, in *searchIn) (*listOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list(ctx, "space", func(o *fakeObject) bool {
		if in.SiteID != "" && o.parent.String() != in.SiteID {
			return false
		}
		return o.tenant == scope(ctx).Tenant || f.bugs["search-leak"] && in.SiteID != ""
	}), nil
}

type updateSpaceIn struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Note string `json:"note" maxLength:"200"`
	}
}

func (f *fakeAPI) updateSpace(ctx context.Context, in *updateSpaceIn) (*viewOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[in.ID]
	if ok && o.tenant != scope(ctx).Tenant && f.bugs["oracle-403"] {
		return nil, errs.ErrForbidden
	}
	if ok && o.tenant != scope(ctx).Tenant && f.bugs["silent-write"] {
		o.fields["note"] = in.Body.Note // written, yet answered with the 404 of a hidden object
		return nil, errs.ErrNotFound
	}
	if !ok || o.tenant != scope(ctx).Tenant || o.kind != "space" {
		return nil, errs.ErrNotFound
	}
	o.fields["note"] = in.Body.Note
	return viewOf(o.fields), nil
}

type deviceIn struct {
	Body struct {
		DevEUI  string `json:"dev_eui" pattern:"^[0-9A-F]{16}$"`
		SpaceID string `json:"space_id" format:"uuid"`
	}
}

func (f *fakeAPI) createDevice(ctx context.Context, in *deviceIn) (*viewOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.get(ctx, "space", uuid.MustParse(in.Body.SpaceID), false); err != nil {
		return nil, errs.E(errs.NotFound, "no such space")
	}
	o := f.add(scope(ctx).Tenant, "device", uuid.Nil, map[string]any{"dev_eui": in.Body.DevEUI, "space_id": in.Body.SpaceID})
	return viewOf(o.fields), nil
}

func (f *fakeAPI) deleteDevice(ctx context.Context, in *idIn) (*struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.get(ctx, "device", in.ID, f.bugs["delete-any-tenant"])
	if err != nil {
		return nil, err
	}
	delete(f.objects, o.id)
	return &struct{}{}, nil
}

// rowHashes fingerprints a tenant's objects, as the database-backed hash does in the real test.
func (f *fakeAPI) rowHashes(_ context.Context, tenant string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var lines []string
	for _, o := range f.objects {
		if o.tenant.String() == tenant {
			lines = append(lines, fmt.Sprint(o.kind, o.id, o.fields))
		}
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return map[string]string{"objects": hex.EncodeToString(sum[:])}, nil
}
