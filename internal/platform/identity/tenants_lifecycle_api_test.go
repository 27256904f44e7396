package identity_test

import (
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

func TestCreateTenant(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("yuri")
	r := s.Do("POST", "/api/v1/tenants", a.Access, map[string]any{"name": "Yuri Two", "slug": "yuri-two"})
	if r.Status != 201 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %q %s", r.Status, r.Header.Get("Cache-Control"), r.Body)
	}
	body := r.JSON(t)
	tenant := body["tenant"].(map[string]any)
	sess := body["session"].(map[string]any)
	if body["role"] != "owner" || sess["tenant_id"] != tenant["id"] || sess["role"] != "owner" {
		t.Fatalf("create answered %v", body)
	}
	// The new session works in the new tenant; the old token is still bound to the first one.
	if got := s.Must(200, "GET", "/api/v1/tenant", sess["access_token"].(string), nil); got["slug"] != "yuri-two" {
		t.Errorf("the new session reads %v", got)
	}
	if got := s.Must(200, "GET", "/api/v1/tenant", a.Access, nil); got["slug"] != "t-yuri" {
		t.Errorf("the old session reads %v", got)
	}
	me := s.Must(200, "GET", "/api/v1/me", a.Access, nil)
	if n := len(me["memberships"].([]any)); n != 2 {
		t.Errorf("memberships: %d, want 2", n)
	}
	// Switching to it works as for any tenant one belongs to.
	s.Must(200, "POST", "/api/v1/auth/switch-tenant", a.Access, map[string]any{"tenant_id": tenant["id"]})
	// The products' defaults are made as at registration (parking's default site).
	if n := s.Count(`SELECT count(*) FROM sites WHERE tenant_id = $1`, tenant["id"]); n != 1 {
		t.Errorf("sites of the new tenant: %d, want its default site", n)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'tenant.create'`, tenant["id"]); n != 1 {
		t.Errorf("tenant.create audit rows: %d, want 1", n)
	}
	// A taken slug (another user's) is a generic 409 that does not name its tenant.
	b := s.Register("zoe")
	r = s.Do("POST", "/api/v1/tenants", b.Access, map[string]any{"name": "Mine", "slug": "yuri-two"})
	if r.Status != 409 || strings.Contains(string(r.Body), "yuri") || strings.Contains(string(r.Body), "tenants_slug_key") {
		t.Errorf("a taken slug: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/tenants", b.Access, map[string]any{"name": "Bad", "slug": "Not A Slug"}); r.Status != 422 || !strings.Contains(string(r.Body), "body.slug") {
		t.Errorf("an invalid slug: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/tenants", "", map[string]any{"name": "Anon", "slug": "anon"}); r.Status != 401 {
		t.Errorf("anonymous create: %d, want 401", r.Status)
	}
}

func TestUpdateTenant(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	a := s.Register("abe")
	admin := s.AddMember(m, a, "bea", "admin")
	b := s.Register("cal")

	got := s.Must(200, "PATCH", "/api/v1/tenant", a.Access, map[string]any{"name": "Abe Renamed", "slug": "abe-new"})
	if got["name"] != "Abe Renamed" || got["slug"] != "abe-new" || got["id"] != a.TenantID {
		t.Fatalf("update: %v", got)
	}
	if r := s.Must(200, "GET", "/api/v1/tenant", a.Access, nil); r["slug"] != "abe-new" {
		t.Errorf("after update: %v", r)
	}
	// Sign-in by the new slug.
	s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password, "tenant": "abe-new"})
	if got := s.Must(200, "PATCH", "/api/v1/tenant", a.Access, map[string]any{"name": "Abe Only"}); got["slug"] != "abe-new" {
		t.Errorf("a rename changed the slug: %v", got)
	}

	for _, c := range []struct {
		name string
		tok  string
		body map[string]any
		want int
		in   string
	}{
		{"an admin", admin.Access, map[string]any{"name": "Taken Over"}, 403, ""},
		{"a clash with another tenant's slug", a.Access, map[string]any{"slug": "t-cal"}, 409, ""},
		{"an invalid slug", a.Access, map[string]any{"slug": "UPPER"}, 422, "body.slug"},
		{"an empty name", a.Access, map[string]any{"name": ""}, 422, "body.name"},
		{"an empty change", a.Access, map[string]any{}, 422, "body"},
	} {
		r := s.Do("PATCH", "/api/v1/tenant", c.tok, c.body)
		if r.Status != c.want || !strings.Contains(string(r.Body), c.in) {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.want)
		}
		if c.want == 409 && strings.Contains(string(r.Body), "cal") {
			t.Errorf("the conflict names the other tenant: %s", r.Body)
		}
	}
	// Tenant B's owner changes B only: no operation names another tenant, so A is untouched.
	s.Must(200, "PATCH", "/api/v1/tenant", b.Access, map[string]any{"name": "Cal's", "slug": "cal-new"})
	if n := s.Count(`SELECT count(*) FROM tenants WHERE id = $1 AND name = 'Abe Only' AND slug = 'abe-new'`, a.TenantID); n != 1 {
		t.Error("B's owner's change reached tenant A")
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'tenant.update'`, a.TenantID); n != 2 {
		t.Errorf("tenant.update audit rows in A: %d, want 2", n)
	}
}
