package apitest

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/tenantry/tenantry/internal/platform/mail"
)

// Mailer delivers the mail outbox through a fake SMTP server, one pass when asked, as the
// running service's dispatcher would.
type Mailer struct {
	SMTP *SMTP
	d    *mail.Dispatcher
}

// Mailer starts a fake SMTP server and a dispatcher of the server's outbox that sends to it.
func (s *Server) Mailer() *Mailer {
	f := StartSMTP(s.T)
	return &Mailer{SMTP: f, d: &mail.Dispatcher{DB: s.DB, Sender: mail.SMTPSender{Addr: f.Addr(), From: "t@example.com"},
		Log: slog.New(slog.DiscardHandler)}}
}

// TokenFor delivers the due mail and returns the invitation token last sent to addr; it fails
// the test if there is none.
func (m *Mailer) TokenFor(t testing.TB, addr string) string {
	t.Helper()
	if _, err := m.d.DeliverDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	tok := m.SMTP.TokenFor(addr)
	if tok == "" {
		t.Fatalf("no invitation mail to %s", addr)
	}
	return tok
}

// AddMember invites name@example.com with role into owner's tenant and accepts the invitation
// as a new user; it returns the member's account, signed in to that tenant.
func (s *Server) AddMember(m *Mailer, owner Account, name, role string) Account {
	s.T.Helper()
	a := Account{Email: name + "@example.com", Password: "correct horse " + name, TenantID: owner.TenantID}
	if r := s.Do("POST", "/api/v1/invitations", owner.Access, map[string]any{"email": a.Email, "role": role}); r.Status != http.StatusCreated {
		s.T.Fatalf("invite %s: %d %s", name, r.Status, r.Body)
	}
	r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": m.TokenFor(s.T, a.Email), "name": name, "password": a.Password})
	if r.Status != http.StatusOK {
		s.T.Fatalf("accept %s: %d %s", name, r.Status, r.Body)
	}
	var sess struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Role         string
	}
	_ = json.Unmarshal(r.Body, &sess)
	if sess.Role != role {
		s.T.Fatalf("accepted %s as %q, want %q", name, sess.Role, role)
	}
	a.Access, a.Refresh = sess.AccessToken, sess.RefreshToken
	me := s.Do("GET", "/api/v1/me", a.Access, nil).JSON(s.T)
	a.UserID = me["user"].(map[string]any)["id"].(string)
	return a
}

// MemberID returns the membership id of user in owner's tenant.
func (s *Server) MemberID(owner Account, userID string) string {
	s.T.Helper()
	r := s.Do("GET", "/api/v1/members", owner.Access, nil)
	for _, m := range r.JSON(s.T)["items"].([]any) {
		if m.(map[string]any)["user_id"] == userID {
			return m.(map[string]any)["id"].(string)
		}
	}
	s.T.Fatalf("user %s is not a member", userID)
	return ""
}
