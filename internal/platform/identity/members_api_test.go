package main

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/mail"
)

// mailer delivers the outbox through a fake SMTP server, as the running service would.
type mailer struct {
	smtp *fakeSMTP
	d    *mail.Dispatcher
}

func (s *testServer) mailer() *mailer {
	f := startSMTP(s.t)
	return &mailer{smtp: f, d: &mail.Dispatcher{DB: s.db, Sender: mail.SMTPSender{Addr: f.addr(), From: "t@example.com"}, Log: slog.New(slog.DiscardHandler)}}
}

// tokenFor delivers due mail and returns the invitation token sent to addr.
func (m *mailer) tokenFor(t *testing.T, addr string) string {
	t.Helper()
	if _, err := m.d.DeliverDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	tok := m.smtp.lastTokenFor(addr)
	if tok == "" {
		t.Fatalf("no invitation mail to %s", addr)
	}
	return tok
}

// addMember invites name with role into owner's tenant and accepts as a new user.
func (s *testServer) addMember(m *mailer, owner account, name, role string) account {
	s.t.Helper()
	a := account{email: name + "@example.com", password: "correct horse " + name, tenantID: owner.tenantID}
	if r := s.do("POST", "/api/v1/invitations", owner.access, map[string]any{"email": a.email, "role": role}); r.status != 201 {
		s.t.Fatalf("invite %s: %d %s", name, r.status, r.body)
	}
	r := s.do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": m.tokenFor(s.t, a.email), "name": name, "password": a.password})
	if r.status != 200 {
		s.t.Fatalf("accept %s: %d %s", name, r.status, r.body)
	}
	var sess struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Role         string
	}
	_ = json.Unmarshal(r.body, &sess)
	if sess.Role != role {
		s.t.Fatalf("accepted %s as %q, want %q", name, sess.Role, role)
	}
	a.access, a.refresh = sess.AccessToken, sess.RefreshToken
	me := s.do("GET", "/api/v1/me", a.access, nil).json(s.t)
	a.userID = me["user"].(map[string]any)["id"].(string)
	return a
}

// memberID returns the membership id of user in the owner's tenant.
func (s *testServer) memberID(owner account, userID string) string {
	s.t.Helper()
	r := s.do("GET", "/api/v1/members", owner.access, nil)
	for _, m := range r.json(s.t)["items"].([]any) {
		if m.(map[string]any)["user_id"] == userID {
			return m.(map[string]any)["id"].(string)
		}
	}
	s.t.Fatalf("user %s is not a member", userID)
	return ""
}

func TestInvitationFlow(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	m := s.mailer()
	owner := s.register("oda")
	op := s.addMember(m, owner, "pia", "operator")
	if r := s.do("GET", "/api/v1/tenant", op.access, nil); r.status != 200 {
		t.Errorf("operator reads the tenant: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/members", op.access, nil); r.status != 403 {
		t.Errorf("operator lists members: %d, want 403", r.status)
	}
	members := s.do("GET", "/api/v1/members", owner.access, nil)
	if members.status != 200 || len(members.json(t)["items"].([]any)) != 2 {
		t.Fatalf("members: %d %s", members.status, members.body)
	}
	if n := s.count(`SELECT count(*) FROM outbox_messages WHERE tenant_id = $1 AND sent_at IS NOT NULL AND body = ''`, owner.tenantID); n != 1 {
		t.Errorf("sent messages with their body cleared: %d, want 1", n)
	}
	// A used token is gone; an unknown one is not found.
	inv := s.do("POST", "/api/v1/invitations", owner.access, map[string]any{"email": "quin@example.com", "role": "viewer"})
	tok := m.tokenFor(t, "quin@example.com")
	if r := s.do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Quin", "password": "correct horse quin"}); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	if r := s.do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Quin", "password": "correct horse quin"}); r.status != 410 {
		t.Errorf("reusing an invitation: %d, want 410", r.status)
	}
	if r := s.do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": "tnr_inv_nope", "password": "x"}); r.status != 404 {
		t.Errorf("a malformed invitation token: %d, want 404", r.status)
	}
	if r := s.do("GET", "/api/v1/invitations/"+inv.json(t)["id"].(string), owner.access, nil); r.status != 200 || !strings.Contains(string(r.body), "accepted_at") {
		t.Errorf("the accepted invitation: %d %s", r.status, r.body)
	}
	if n := s.count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action IN ('invitation.create', 'member.join')`, owner.tenantID); n != 4 {
		t.Errorf("invitation audit rows: %d, want 4", n)
	}
}

func TestInvitationExpiresAndRespectsRoles(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	m := s.mailer()
	owner := s.register("ray")
	admin := s.addMember(m, owner, "sue", "admin")
	if r := s.do("POST", "/api/v1/invitations", admin.access, map[string]any{"email": "x@example.com", "role": "owner"}); r.status != 403 {
		t.Errorf("admin invites an owner: %d, want 403", r.status)
	}
	if r := s.do("POST", "/api/v1/invitations", admin.access, map[string]any{"email": "sue@example.com", "role": "viewer"}); r.status != 409 {
		t.Errorf("inviting an existing member: %d, want 409", r.status)
	}
	s.do("POST", "/api/v1/invitations", admin.access, map[string]any{"email": "tom@example.com", "role": "viewer"})
	if r := s.do("POST", "/api/v1/invitations", admin.access, map[string]any{"email": "TOM@example.com", "role": "viewer"}); r.status != 409 {
		t.Errorf("a second pending invitation for one address: %d, want 409", r.status)
	}
	tok := m.tokenFor(t, "tom@example.com")
	if err := s.superExec(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE lower(email) = 'tom@example.com'`); err != nil {
		t.Fatal(err)
	}
	if r := s.do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Tom", "password": "correct horse tom"}); r.status != 410 {
		t.Errorf("an expired invitation: %d, want 410", r.status)
	}
	if n := s.count(`SELECT count(*) FROM users WHERE email = 'tom@example.com'`); n != 0 {
		t.Errorf("a refused acceptance created the user")
	}
}

func TestExistingUserJoinsSecondTenant(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	m := s.mailer()
	a, b := s.register("uma"), s.register("vic")
	s.do("POST", "/api/v1/invitations", b.access, map[string]any{"email": a.email, "role": "viewer"})
	tok := m.tokenFor(t, a.email)
	if r := s.do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "password": "not the password"}); r.status != 401 {
		t.Errorf("existing user with a wrong password: %d, want 401", r.status)
	}
	r := s.do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "password": a.password})
	if r.status != 200 || r.json(t)["tenant_id"] != b.tenantID {
		t.Fatalf("existing user accepts: %d %s", r.status, r.body)
	}
	me := s.do("GET", "/api/v1/me", a.access, nil)
	if got := len(me.json(t)["memberships"].([]any)); got != 2 {
		t.Errorf("memberships after joining: %d, want 2", got)
	}
	if sw := s.do("POST", "/api/v1/auth/switch-tenant", a.access, map[string]any{"tenant_id": b.tenantID}); sw.status != 200 || sw.json(t)["role"] != "viewer" {
		t.Errorf("switch to the joined tenant: %d %s", sw.status, sw.body)
	}
}

func TestMemberRolesAndLastOwner(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	m := s.mailer()
	owner := s.register("wes")
	admin := s.addMember(m, owner, "xia", "admin")
	viewer := s.addMember(m, owner, "yan", "viewer")
	ownerMember, viewerMember := s.memberID(owner, owner.userID), s.memberID(owner, viewer.userID)
	if r := s.do("PATCH", "/api/v1/members/"+ownerMember, owner.access, map[string]any{"role": "admin"}); r.status != 409 {
		t.Errorf("demoting the last owner: %d, want 409", r.status)
	}
	if r := s.do("DELETE", "/api/v1/members/"+ownerMember, owner.access, nil); r.status != 409 {
		t.Errorf("removing the last owner: %d, want 409", r.status)
	}
	if r := s.do("PATCH", "/api/v1/members/"+ownerMember, admin.access, map[string]any{"role": "viewer"}); r.status != 403 {
		t.Errorf("admin demotes the owner: %d, want 403", r.status)
	}
	if r := s.do("PATCH", "/api/v1/members/"+viewerMember, admin.access, map[string]any{"role": "operator"}); r.status != 200 {
		t.Errorf("admin promotes a viewer: %d", r.status)
	}
	if r := s.do("PATCH", "/api/v1/members/"+viewerMember, viewer.access, map[string]any{"role": "admin"}); r.status != 403 {
		t.Errorf("viewer promotes themself: %d, want 403", r.status)
	}
	// The new role reaches the member's next token.
	ref := s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": viewer.refresh})
	if ref.json(t)["role"] != "operator" {
		t.Errorf("role after refresh: %v", ref.json(t)["role"])
	}
	adminMember := s.memberID(owner, admin.userID)
	if r := s.do("POST", "/api/v1/members/"+adminMember+"/transfer-ownership", owner.access, nil); r.status != 200 {
		t.Fatalf("transfer ownership: %d %s", r.status, r.body)
	}
	if n := s.count(`SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner' AND user_id = $2`, owner.tenantID, admin.userID); n != 1 {
		t.Error("the new owner is not owner")
	}
	if n := s.count(`SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'admin' AND user_id = $2`, owner.tenantID, owner.userID); n != 1 {
		t.Error("the old owner is not admin")
	}
	if r := s.do("DELETE", "/api/v1/members/"+viewerMember, admin.access, nil); r.status != 204 {
		t.Errorf("remove a member: %d", r.status)
	}
	if r := s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": ref.json(t)["refresh_token"]}); r.status != 401 {
		t.Errorf("a removed member's session: %d, want 401", r.status)
	}
}

// TestMembersOfAnotherTenantAreHidden: B's admin cannot see, change or remove A's members.
func TestMembersOfAnotherTenantAreHidden(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a, b := s.register("zed"), s.register("amy")
	am := s.memberID(a, a.userID)
	for _, c := range []struct {
		method, suffix string
		body           any
	}{{"GET", "", nil}, {"PATCH", "", map[string]any{"role": "viewer"}}, {"DELETE", "", nil}, {"POST", "/transfer-ownership", nil}} {
		other := s.do(c.method, "/api/v1/members/"+am+c.suffix, b.access, c.body)
		random := s.do(c.method, "/api/v1/members/"+uuid.NewString()+c.suffix, b.access, c.body)
		if other.status != 404 || string(other.body) != string(random.body) {
			t.Errorf("%s member%s of A as B: %d %s vs %d %s", c.method, c.suffix, other.status, other.body, random.status, random.body)
		}
	}
	if list := s.do("GET", "/api/v1/members", b.access, nil); strings.Contains(string(list.body), a.userID) || strings.Contains(string(list.body), a.email) {
		t.Error("B's member list shows A's member")
	}
}
