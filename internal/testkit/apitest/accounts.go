package apitest

import (
	"encoding/json"
	"net/http"
)

// Account is a signed-in user of a tenant: registered (the tenant's owner) or a member who
// accepted an invitation.
type Account struct {
	Email, Password  string
	UserID, TenantID string
	Access, Refresh  string // the session's access and refresh tokens
}

// Register signs up name@example.com with a new tenant (slug t-name), follows the verification
// link registration mails (MailToken) and returns the owner's account with the session that signed
// them in.
func (s *Server) Register(name string) Account {
	s.T.Helper()
	a := Account{Email: name + "@example.com", Password: "correct horse " + name}
	r := s.Do("POST", "/api/v1/auth/register", "", map[string]any{
		"user":   map[string]any{"email": a.Email, "name": name, "password": a.Password},
		"tenant": map[string]any{"name": "Tenant " + name, "slug": "t-" + name},
	})
	if r.Status != http.StatusAccepted {
		s.T.Fatalf("register %s: %d %s", name, r.Status, r.Body)
	}
	v := s.Do("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": s.MailToken(a.Email, "ver")})
	if v.Status != http.StatusOK {
		s.T.Fatalf("verify %s: %d %s", name, v.Status, v.Body)
	}
	var sess struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TenantID     string `json:"tenant_id"`
	}
	if err := json.Unmarshal(v.Body, &sess); err != nil {
		s.T.Fatal(err)
	}
	a.TenantID, a.Access, a.Refresh = sess.TenantID, sess.AccessToken, sess.RefreshToken
	// the user's id from the database, not GET /me: a request would spend the caller's budgets
	s.SuperRow(`SELECT id::text FROM users WHERE lower(email) = lower($1)`, []any{a.Email}, &a.UserID)
	return a
}

// MailToken waits for the newest token of kind (tnr_<kind>_...) mailed to addr and returns it,
// wherever the message is: still in the outbox (the test server runs no mail worker unless asked;
// read as the superuser), or delivered to the Mailer's SMTP server or, with Options.Background, to
// the development sender's files (delivery clears the outbox copy).
func (s *Server) MailToken(addr, kind string) string {
	s.T.Helper()
	var tok string
	WaitFor(s.T, "a tnr_"+kind+" token mailed to "+addr, func() bool {
		if tok = s.outboxToken(addr, kind); tok != "" {
			return true
		}
		if s.smtp != nil {
			if tok = s.smtp.Token(addr, kind); tok != "" {
				return true
			}
		}
		if files := s.MailedTokens(addr, kind); len(files) > 0 {
			tok = files[len(files)-1]
		}
		return tok != ""
	})
	return tok
}

// outboxToken is the newest token of kind in an unsent outbox message to addr, or "".
func (s *Server) outboxToken(addr, kind string) string {
	s.T.Helper()
	var tok string
	s.SuperRow(`SELECT coalesce(max(substring(body FROM $2)) FILTER (WHERE created_at = newest), '')
		FROM (SELECT body, created_at, max(created_at) OVER () AS newest FROM outbox_messages
		      WHERE recipient = $1 AND body ~ $2) m`, []any{addr, `tnr_` + kind + `_[A-Za-z0-9]+`}, &tok)
	return tok
}

// CreateKey makes an API key as the account (POST /api/v1/api-keys with body) and returns the
// status and, for a 201, the response body (the secret is in "key").
func (s *Server) CreateKey(a Account, body map[string]any) (int, map[string]any) {
	s.T.Helper()
	r := s.Do("POST", "/api/v1/api-keys", a.Access, body)
	if r.Status != http.StatusCreated {
		return r.Status, nil
	}
	return r.Status, r.JSON(s.T)
}
