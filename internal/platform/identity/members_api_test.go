package identity_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

func TestInvitationFlow(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	owner := s.Register("oda")
	op := s.AddMember(m, owner, "pia", "operator")
	if r := s.Do("GET", "/api/v1/tenant", op.Access, nil); r.Status != 200 {
		t.Errorf("operator reads the tenant: %d", r.Status)
	}
	if r := s.Do("GET", "/api/v1/members", op.Access, nil); r.Status != 403 {
		t.Errorf("operator lists members: %d, want 403", r.Status)
	}
	members := s.Do("GET", "/api/v1/members", owner.Access, nil)
	if members.Status != 200 || len(members.JSON(t)["items"].([]any)) != 2 {
		t.Fatalf("members: %d %s", members.Status, members.Body)
	}
	if n := s.Count(`SELECT count(*) FROM outbox_messages WHERE tenant_id = $1 AND sent_at IS NOT NULL AND body = ''`, owner.TenantID); n != 2 {
		t.Errorf("sent messages with their body cleared: %d, want 2 (the owner's verification, the invitation)", n)
	}
	// A used token is gone; an unknown one is not found.
	inv := s.Do("POST", "/api/v1/invitations", owner.Access, map[string]any{"email": "quin@example.com", "role": "viewer"})
	tok := m.TokenFor(t, "quin@example.com")
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Quin", "password": "correct horse quin"}); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Quin", "password": "correct horse quin"}); r.Status != 410 {
		t.Errorf("reusing an invitation: %d, want 410", r.Status)
	}
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": "tnr_inv_nope", "password": "x"}); r.Status != 404 {
		t.Errorf("a malformed invitation token: %d, want 404", r.Status)
	}
	if r := s.Do("GET", "/api/v1/invitations/"+inv.JSON(t)["id"].(string), owner.Access, nil); r.Status != 200 || !strings.Contains(string(r.Body), "accepted_at") {
		t.Errorf("the accepted invitation: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action IN ('invitation.create', 'member.join')`, owner.TenantID); n != 4 {
		t.Errorf("invitation audit rows: %d, want 4", n)
	}
}

func TestInvitationExpiresAndRespectsRoles(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	owner := s.Register("ray")
	admin := s.AddMember(m, owner, "sue", "admin")
	if r := s.Do("POST", "/api/v1/invitations", admin.Access, map[string]any{"email": "x@example.com", "role": "owner"}); r.Status != 403 {
		t.Errorf("admin invites an owner: %d, want 403", r.Status)
	}
	if r := s.Do("POST", "/api/v1/invitations", admin.Access, map[string]any{"email": "sue@example.com", "role": "viewer"}); r.Status != 409 {
		t.Errorf("inviting an existing member: %d, want 409", r.Status)
	}
	s.Do("POST", "/api/v1/invitations", admin.Access, map[string]any{"email": "tom@example.com", "role": "viewer"})
	if r := s.Do("POST", "/api/v1/invitations", admin.Access, map[string]any{"email": "TOM@example.com", "role": "viewer"}); r.Status != 409 {
		t.Errorf("a second pending invitation for one address: %d, want 409", r.Status)
	}
	tok := m.TokenFor(t, "tom@example.com")
	s.SuperExec(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE lower(email) = 'tom@example.com'`)
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Tom", "password": "correct horse tom"}); r.Status != 410 {
		t.Errorf("an expired invitation: %d, want 410", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM users WHERE email = 'tom@example.com'`); n != 0 {
		t.Errorf("a refused acceptance created the user")
	}
}

func TestExistingUserJoinsSecondTenant(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	a, b := s.Register("uma"), s.Register("vic")
	if r := s.Do("POST", "/api/v1/invitations", b.Access, map[string]any{"email": a.Email, "role": "viewer"}); r.Status != 201 {
		t.Fatalf("inviting an existing user: %d %s", r.Status, r.Body)
	}
	tok := m.TokenFor(t, a.Email)
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "password": "not the password"}); r.Status != 401 {
		t.Errorf("existing user with a wrong password: %d, want 401", r.Status)
	}
	r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "password": a.Password})
	if r.Status != 200 || r.JSON(t)["tenant_id"] != b.TenantID {
		t.Fatalf("existing user accepts: %d %s", r.Status, r.Body)
	}
	me := s.Do("GET", "/api/v1/me", a.Access, nil)
	if got := len(me.JSON(t)["memberships"].([]any)); got != 2 {
		t.Errorf("memberships after joining: %d, want 2", got)
	}
	if sw := s.Do("POST", "/api/v1/auth/switch-tenant", a.Access, map[string]any{"tenant_id": b.TenantID}); sw.Status != 200 || sw.JSON(t)["role"] != "viewer" {
		t.Errorf("switch to the joined tenant: %d %s", sw.Status, sw.Body)
	}
}

func TestMemberRolesAndLastOwner(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	owner := s.Register("wes")
	admin := s.AddMember(m, owner, "xia", "admin")
	viewer := s.AddMember(m, owner, "yan", "viewer")
	ownerMember, viewerMember := s.MemberID(owner, owner.UserID), s.MemberID(owner, viewer.UserID)
	if r := s.Do("PATCH", "/api/v1/members/"+ownerMember, owner.Access, map[string]any{"role": "admin"}); r.Status != 409 {
		t.Errorf("demoting the last owner: %d, want 409", r.Status)
	}
	if r := s.Do("DELETE", "/api/v1/members/"+ownerMember, owner.Access, nil); r.Status != 409 {
		t.Errorf("removing the last owner: %d, want 409", r.Status)
	}
	if r := s.Do("PATCH", "/api/v1/members/"+ownerMember, admin.Access, map[string]any{"role": "viewer"}); r.Status != 403 {
		t.Errorf("admin demotes the owner: %d, want 403", r.Status)
	}
	if r := s.Do("PATCH", "/api/v1/members/"+viewerMember, admin.Access, map[string]any{"role": "operator"}); r.Status != 200 {
		t.Errorf("admin promotes a viewer: %d", r.Status)
	}
	if r := s.Do("PATCH", "/api/v1/members/"+viewerMember, viewer.Access, map[string]any{"role": "admin"}); r.Status != 403 {
		t.Errorf("viewer promotes themself: %d, want 403", r.Status)
	}
	// The new role reaches the member's next token.
	ref := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": viewer.Refresh})
	if ref.JSON(t)["role"] != "operator" {
		t.Errorf("role after refresh: %v", ref.JSON(t)["role"])
	}
	adminMember := s.MemberID(owner, admin.UserID)
	if r := s.Do("POST", "/api/v1/members/"+adminMember+"/transfer-ownership", owner.Access, nil); r.Status != 200 {
		t.Fatalf("transfer ownership: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner' AND user_id = $2`, owner.TenantID, admin.UserID); n != 1 {
		t.Error("the new owner is not owner")
	}
	if n := s.Count(`SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'admin' AND user_id = $2`, owner.TenantID, owner.UserID); n != 1 {
		t.Error("the old owner is not admin")
	}
	if r := s.Do("DELETE", "/api/v1/members/"+viewerMember, admin.Access, nil); r.Status != 204 {
		t.Errorf("remove a member: %d", r.Status)
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": ref.JSON(t)["refresh_token"]}); r.Status != 401 {
		t.Errorf("a removed member's session: %d, want 401", r.Status)
	}
}

// TestMembersOfAnotherTenantAreHidden: B's admin cannot see, change or remove A's members.
func TestMembersOfAnotherTenantAreHidden(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a, b := s.Register("zed"), s.Register("amy")
	am := s.MemberID(a, a.UserID)
	for _, c := range []struct {
		method, suffix string
		body           any
	}{{"GET", "", nil}, {"PATCH", "", map[string]any{"role": "viewer"}}, {"DELETE", "", nil}, {"POST", "/transfer-ownership", nil}} {
		other := s.Do(c.method, "/api/v1/members/"+am+c.suffix, b.Access, c.body)
		random := s.Do(c.method, "/api/v1/members/"+uuid.NewString()+c.suffix, b.Access, c.body)
		if other.Status != 404 || string(other.Body) != string(random.Body) {
			t.Errorf("%s member%s of A as B: %d %s vs %d %s", c.method, c.suffix, other.Status, other.Body, random.Status, random.Body)
		}
	}
	if list := s.Do("GET", "/api/v1/members", b.Access, nil); strings.Contains(string(list.Body), a.UserID) || strings.Contains(string(list.Body), a.Email) {
		t.Error("B's member list shows A's member")
	}
}

// TestInvitationMailLeavesInTheBackground: with SMTP configured, the running service's own mail
// dispatcher (a background worker) delivers the invitation, and its token lets the invitee join.
func TestInvitationMailLeavesInTheBackground(t *testing.T) {
	t.Parallel()
	smtp := apitest.StartSMTP(t)
	s := apitest.StartWith(t, apitest.Options{Background: true, Configure: func(c *app.Config) { c.SMTP.Addr = smtp.Addr() }})
	s.ReadMailFrom(smtp)
	owner := s.Register("bo")
	s.Must(201, "POST", "/api/v1/invitations", owner.Access, map[string]any{"email": "cy@example.com", "role": "viewer"})
	var tok string
	apitest.WaitFor(t, "the invitation mail", func() bool {
		tok = smtp.TokenFor("cy@example.com")
		return tok != ""
	})
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Cy", "password": "correct horse cy"}); r.Status != 200 {
		t.Fatalf("accept the delivered invitation: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM outbox_messages WHERE tenant_id = $1 AND sent_at IS NOT NULL`, owner.TenantID); n != 2 {
		t.Errorf("sent messages: %d, want 2 (the owner's verification, the invitation)", n)
	}
}

// TestInvitationSurvivesAFailingMailServer: the invitation request succeeds while the mail server
// refuses the message; the delivery job retries it, over mandatory STARTTLS, and the mail that
// arrives links to TENANTRY_PUBLIC_URL with a stable Message-ID.
func TestInvitationSurvivesAFailingMailServer(t *testing.T) {
	t.Parallel()
	smtp := apitest.StartSMTPWith(t, apitest.SMTPOptions{TLS: apitest.SMTPStartTLS, FailFirst: 1})
	s := apitest.StartWith(t, apitest.Options{Background: true, Configure: func(c *app.Config) {
		c.SMTP.Addr, c.SMTP.TLS, c.SMTP.TLSConfig = smtp.Addr(), mail.TLSMandatory, smtp.ClientTLS()
		c.PublicURL = "https://parking.example.org"
	}})
	s.ReadMailFrom(smtp)
	owner := s.Register("bea") // its verification mail is refused once, then sent on the retry
	s.Must(201, "POST", "/api/v1/invitations", owner.Access, map[string]any{"email": "dee@example.com", "role": "viewer"})
	apitest.WaitFor(t, "the invitation mail", func() bool { return smtp.TokenFor("dee@example.com") != "" })
	s.WaitMailSent()
	if smtp.Refused() != 1 {
		t.Errorf("%d refused, want 1", smtp.Refused())
	}
	var inv apitest.Received
	for _, m := range smtp.Messages() {
		if !m.TLS {
			t.Error("a message went without TLS")
		}
		if len(m.To) == 1 && m.To[0] == "dee@example.com" {
			inv = m
		}
	}
	if !strings.Contains(inv.Text(), "https://parking.example.org/") {
		t.Errorf("the invitation does not link to the public URL:\n%s", inv.Text())
	}
	// The refused message was sent on its retry, under its outbox id as Message-ID.
	var retried []string
	for _, m := range smtp.Messages() {
		if s.Count(`SELECT count(*) FROM outbox_messages WHERE sent_at IS NOT NULL AND attempts = 1 AND '<' || id || '@localhost>' = $1`,
			m.Header("Message-Id")) == 1 {
			retried = append(retried, m.Header("Message-Id"))
		}
	}
	if len(retried) != 1 {
		t.Errorf("messages sent after one failed attempt, by Message-ID: %q; want one", retried)
	}
}
