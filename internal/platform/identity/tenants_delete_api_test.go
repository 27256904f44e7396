package identity_test

import (
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// deletable is a tenant with everything a deletion must end: an admin and a viewer with sessions,
// an API key that ingests, a public share link and a pending invitation.
type deletable struct {
	owner, admin, viewer apitest.Account
	key, share, invite   string
}

// deletableTenant registers name's tenant with deletable's credentials and checks each works.
func deletableTenant(s *apitest.Server, m *apitest.Mailer, name string) deletable {
	s.T.Helper()
	d := deletable{owner: s.Register(name)}
	d.admin = s.AddMember(m, d.owner, name+"-admin", "admin")
	d.viewer = s.AddMember(m, d.owner, name+"-viewer", "viewer")
	if st, k := s.CreateKey(d.owner, map[string]any{"name": "chirpstack", "scopes": []string{"webhook:ingest"}}); st == 201 {
		d.key = k["key"].(string)
	} else {
		s.T.Fatalf("create key: %d", st)
	}
	// A public share link of a session of a published flow.
	s.Must(200, "PATCH", "/api/v1/flows/settings", d.owner.Access, map[string]any{"allow_public_shares": true})
	flow := s.Must(201, "POST", "/api/v1/flows", d.owner.Access, map[string]any{"kind": "troubleshooting", "title": "Printer",
		"graph": map[string]any{"nodes": []any{map[string]any{"id": "done", "type": "resolution", "title": "Fixed", "outcome": "resolved", "start": true}}}})
	s.Must(201, "POST", "/api/v1/flows/"+flow["id"].(string)+"/publish", d.owner.Access, nil)
	session := s.Must(201, "POST", "/api/v1/sessions", d.owner.Access, map[string]any{"flow_id": flow["id"]})
	d.share = s.Must(201, "POST", "/api/v1/sessions/"+session["id"].(string)+"/shares", d.owner.Access, map[string]any{"visibility": "public"})["token"].(string)
	s.Must(201, "POST", "/api/v1/invitations", d.owner.Access, map[string]any{"email": name + "-late@example.com", "role": "viewer"})
	s.WaitMailSent()
	d.invite = m.TokenFor(s.T, name+"-late@example.com")
	usable(s, d)
	return d
}

// usable checks that every credential of d still reaches its tenant.
func usable(s *apitest.Server, d deletable) {
	s.T.Helper()
	for _, a := range []apitest.Account{d.owner, d.admin, d.viewer} {
		s.Must(200, "GET", "/api/v1/tenant", a.Access, nil)
	}
	if r := s.Do("POST", "/api/v1/ingest/chirpstack?event=log", "", "{}", "X-API-Key", d.key, "Content-Type", "application/json"); r.Status != 200 {
		s.T.Errorf("ingest with the tenant's key: %d %s", r.Status, r.Body)
	}
	s.Must(200, "GET", "/api/v1/share/"+d.share, "", nil)
	s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": d.viewer.Email, "password": d.viewer.Password, "tenant": "t-" + strings.TrimSuffix(d.owner.Email, "@example.com")})
}

// TestDeleteTenant: only the tenant's owner deletes it, and only by repeating its slug; a refused
// deletion changes nothing. Once deleted, no credential or public token of the tenant reaches it:
// access tokens, refresh tokens, API keys (ingest), share links, invitations, sign-in and tenant
// switching. Tenant B is untouched throughout.
func TestDeleteTenant(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	listening(t, s) // the members' sessions are cached, as in the running service
	m := s.Mailer()
	a := deletableTenant(s, m, "del-a")
	b := deletableTenant(s, m, "del-b")
	// The owner of A also belongs to B, as a viewer: a user with another tenant left.
	s.AddMember(m, b.owner, "del-a", "viewer")

	for _, c := range []struct {
		name string
		tok  string
		body any
		want int
		in   string
	}{
		{"no confirmation", a.owner.Access, map[string]any{}, 422, "body.confirm_slug"},
		{"an empty confirmation", a.owner.Access, map[string]any{"confirm_slug": ""}, 422, "body.confirm_slug"},
		{"another tenant's slug", a.owner.Access, map[string]any{"confirm_slug": "t-del-b"}, 422, "body.confirm_slug"},
		{"a wrong slug", a.owner.Access, map[string]any{"confirm_slug": "t-del"}, 422, "body.confirm_slug"},
		{"an admin", a.admin.Access, map[string]any{"confirm_slug": "t-del-a"}, 403, ""},
		{"a viewer", a.viewer.Access, map[string]any{"confirm_slug": "t-del-a"}, 403, ""},
		{"an API key", "", map[string]any{"confirm_slug": "t-del-a"}, 401, ""},
		{"B's owner, confirming A's slug", b.owner.Access, map[string]any{"confirm_slug": "t-del-a"}, 422, "body.confirm_slug"},
	} {
		r := s.Do("DELETE", "/api/v1/tenant", c.tok, c.body)
		if r.Status != c.want || !strings.Contains(string(r.Body), c.in) {
			t.Errorf("%s: %d %s, want %d naming %q", c.name, r.Status, r.Body, c.want, c.in)
		}
	}
	if r := s.Do("DELETE", "/api/v1/tenant", "", map[string]any{"confirm_slug": "t-del-a"}, "X-API-Key", a.key); r.Status != 403 {
		t.Errorf("deletion with an API key: %d %s, want 403", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM tenants WHERE status = 'active' AND deleted_at IS NULL AND id = ANY($1::uuid[])`,
		[]string{a.owner.TenantID, b.owner.TenantID}); n != 2 {
		t.Fatalf("a refused deletion changed a tenant: %d active, want 2", n)
	}
	usable(s, a)

	// The owner deletes A.
	s.Must(204, "DELETE", "/api/v1/tenant", a.owner.Access, map[string]any{"confirm_slug": " t-del-a "})
	if n := s.Count(`SELECT count(*) FROM tenants WHERE id = $1 AND status = 'deleted' AND deleted_at IS NOT NULL AND slug = 't-del-a'`, a.owner.TenantID); n != 1 {
		t.Error("A is not marked deleted (with its slug kept)")
	}
	if n := s.Count(`SELECT count(*) FROM security_events WHERE action = 'tenant.delete' AND user_id = $1 AND details->>'tenant_id' = $2`,
		a.owner.UserID, a.owner.TenantID); n != 1 {
		t.Errorf("tenant.delete security events: %d, want 1", n)
	}
	if n := s.Count(`SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1 AND revoked_at IS NULL`, a.owner.TenantID); n != 0 {
		t.Errorf("live refresh tokens of A: %d, want 0", n)
	}
	if n := s.Count(`SELECT count(*) FROM invitations WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL`, a.owner.TenantID); n != 0 {
		t.Errorf("pending invitations of A: %d, want 0", n)
	}

	// Nothing of A is reachable.
	for _, acc := range []apitest.Account{a.owner, a.admin, a.viewer} {
		if r := s.Do("GET", "/api/v1/tenant", acc.Access, nil); r.Status != 401 {
			t.Errorf("%s's access token after the deletion: %d, want 401", acc.Email, r.Status)
		}
		if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": acc.Refresh}); r.Status != 401 {
			t.Errorf("%s's refresh token after the deletion: %d, want 401", acc.Email, r.Status)
		}
	}
	if r := s.Do("POST", "/api/v1/ingest/chirpstack?event=log", "", "{}", "X-API-Key", a.key, "Content-Type", "application/json"); r.Status != 401 {
		t.Errorf("ingest with A's key: %d, want 401", r.Status)
	}
	if r := s.Do("GET", "/api/v1/share/"+a.share, "", nil); r.Status != 404 {
		t.Errorf("A's share link: %d, want 404", r.Status)
	}
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": a.invite, "name": "Late", "password": "correct horse late"}); r.Status != 410 {
		t.Errorf("accepting A's invitation: %d %s, want 410", r.Status, r.Body)
	}
	if r := s.Do("DELETE", "/api/v1/tenant", a.owner.Access, map[string]any{"confirm_slug": "t-del-a"}); r.Status != 401 {
		t.Errorf("deleting A again: %d, want 401", r.Status)
	}

	// Sign-in no longer offers A. A's owner, also in B, signs in to B; naming A is refused.
	got := s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.owner.Email, "password": a.owner.Password})
	if got["tenant_id"] != b.owner.TenantID {
		t.Errorf("A's owner signed in to %v, want B", got["tenant_id"])
	}
	if r := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.owner.Email, "password": a.owner.Password, "tenant": "t-del-a"}); r.Status != 403 {
		t.Errorf("signing in to the deleted tenant: %d %s, want 403", r.Status, r.Body)
	}
	me := s.Must(200, "GET", "/api/v1/me", got["access_token"].(string), nil)
	if ms := me["memberships"].([]any); len(ms) != 1 || ms[0].(map[string]any)["tenant"].(map[string]any)["id"] != b.owner.TenantID {
		t.Errorf("memberships of A's owner: %v, want only B", ms)
	}
	if r := s.Do("POST", "/api/v1/auth/switch-tenant", got["access_token"].(string), map[string]any{"tenant_id": a.owner.TenantID}); r.Status != 404 {
		t.Errorf("switching to the deleted tenant: %d, want 404", r.Status)
	}
	// A member whose only tenant was deleted signs in to no tenant: a token that reaches none,
	// as for a user without memberships (they may create a tenant).
	got = s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.viewer.Email, "password": a.viewer.Password})
	if got["tenant_id"] != nil || got["refresh_token"] != nil {
		t.Errorf("sign-in of A's viewer: %v, want a session in no tenant", got)
	}
	if r := s.Do("GET", "/api/v1/tenant", got["access_token"].(string), nil); r.Status < 400 {
		t.Errorf("the tenantless token reached a tenant: %d", r.Status)
	}
	// The slug stays taken.
	if r := s.Do("POST", "/api/v1/tenants", b.owner.Access, map[string]any{"name": "Again", "slug": "t-del-a"}); r.Status != 409 {
		t.Errorf("the deleted tenant's slug: %d, want 409 (taken)", r.Status)
	}

	// B is untouched: its owner, members, key, share link and sessions work.
	usable(s, b)
	s.Must(200, "POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": b.admin.Refresh})
}

// TestInactiveTenantIsUnreachable: the checks that resolve a tenant from a credential require the
// tenant to be active, whatever its sessions: with the tenant's status changed underneath (no
// session revoked), another instance that had the session cached refuses the access token once
// the database's notification arrives, the API key is refused and the share link is not found;
// made active again, all of them work again.
func TestInactiveTenantIsUnreachable(t *testing.T) {
	t.Parallel()
	servers := apitest.Instances(t, 2, apitest.Options{})
	s, other := servers[0], servers[1]
	listening(t, other)
	c := deletableTenant(s, s.Mailer(), "sus-c")
	other.Must(200, "GET", "/api/v1/tenant", c.admin.Access, nil) // cached on the other instance

	s.SuperExec(`UPDATE tenants SET status = 'suspended' WHERE id = $1`, c.owner.TenantID)
	apitest.WaitFor(t, "the other instance to refuse the token", func() bool {
		return other.Do("GET", "/api/v1/tenant", c.admin.Access, nil).Status == 401
	})
	if r := s.Do("GET", "/api/v1/tenant", c.owner.Access, nil); r.Status != 401 {
		t.Errorf("the owner's token in a suspended tenant: %d, want 401", r.Status)
	}
	if r := s.Do("POST", "/api/v1/ingest/chirpstack?event=log", "", "{}", "X-API-Key", c.key, "Content-Type", "application/json"); r.Status != 401 {
		t.Errorf("ingest with a suspended tenant's key: %d, want 401", r.Status)
	}
	if r := s.Do("GET", "/api/v1/share/"+c.share, "", nil); r.Status != 404 {
		t.Errorf("a suspended tenant's share link: %d, want 404", r.Status)
	}

	s.SuperExec(`UPDATE tenants SET status = 'active' WHERE id = $1`, c.owner.TenantID)
	apitest.WaitFor(t, "the other instance to accept the token again", func() bool {
		return other.Do("GET", "/api/v1/tenant", c.admin.Access, nil).Status == 200
	})
	usable(s, c)
}
