package apitest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/mail"
)

// Mailer delivers the mail outbox through a fake SMTP server, as the running service would: the
// mail job's worker runs until the test ends.
type Mailer struct {
	SMTP *SMTP
	s    *Server
}

// Mailer starts a fake SMTP server and a mail worker that sends the server's outbox to it.
func (s *Server) Mailer() *Mailer {
	f := StartSMTP(s.T)
	s.smtp = f
	s.DeliverMail(mail.SMTPSender{Addr: f.Addr(), From: "t@example.com"})
	return &Mailer{SMTP: f, s: s}
}

// ReadMailFrom makes MailToken (and so Register) read the messages f receives: for a test whose
// service delivers to an SMTP server of the test's own.
func (s *Server) ReadMailFrom(f *SMTP) { s.smtp = f }

// TokenFor waits until the invitation mail to addr is delivered and the whole outbox recorded
// sent, and returns the invitation token last sent to addr.
func (m *Mailer) TokenFor(t testing.TB, addr string) string {
	t.Helper()
	WaitFor(t, "the invitation mail to "+addr, func() bool { return m.SMTP.TokenFor(addr) != "" })
	m.s.For(t).WaitMailSent()
	return m.SMTP.TokenFor(addr)
}

// DeliverMail runs a job runner with the service's mail worker, sending with sender, until the
// test ends (the test server runs no background workers unless asked).
func (s *Server) DeliverMail(sender mail.Sender) {
	s.T.Helper()
	log := slog.New(slog.DiscardHandler)
	reg := jobs.NewRegistry(log)
	mail.NewDelivery(s.DB, sender, log).Jobs(reg)
	r, err := jobs.New(s.DB, log, reg, jobs.Config{DisableSchedules: true})
	if err != nil {
		s.T.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(s.T.Context()))
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	s.T.Cleanup(func() { cancel(); <-done })
}

// WaitMailSent waits until every message in the outbox is recorded sent.
func (s *Server) WaitMailSent() {
	s.T.Helper()
	WaitFor(s.T, "the outbox to be sent", func() bool { return s.Count(`SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL`) == 0 })
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
