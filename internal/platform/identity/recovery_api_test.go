package identity_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestChangePassword: the current password is required; the change ends every session of the user
// in every tenant (audited in each) and gives the caller a new one; the old password stops working.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	a, b := s.Register("rita"), s.Register("sam")
	s.Must(http.StatusCreated, "POST", "/api/v1/invitations", b.Access, map[string]any{"email": a.Email, "role": "viewer"})
	inB := s.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", "", map[string]any{"token": m.TokenFor(t, a.Email), "password": a.Password})
	next := "a brand new passphrase"

	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"wrong current password": {map[string]any{"current_password": "not my password", "new_password": next}, "body.current_password"},
		"short new password":     {map[string]any{"current_password": a.Password, "new_password": "short"}, "body.new_password"},
	} {
		r := s.Do("POST", "/api/v1/me/password", a.Access, c.body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s: %d %s, want 422 naming %s", name, r.Status, r.Body, c.field)
		}
	}
	if r := s.Do("POST", "/api/v1/me/password", "", map[string]any{"current_password": a.Password, "new_password": next}); r.Status != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", r.Status)
	}
	sess := s.Must(http.StatusOK, "POST", "/api/v1/me/password", a.Access, map[string]any{"current_password": a.Password, "new_password": next})
	if sess["tenant_id"] != a.TenantID || sess["refresh_token"] == nil {
		t.Fatalf("the new session: %v", sess)
	}
	if r := s.Do("GET", "/api/v1/me", sess["access_token"].(string), nil); r.Status != http.StatusOK {
		t.Errorf("the new session's access token: %d", r.Status)
	}
	for name, tok := range map[string]string{"own tenant": a.Access, "other tenant": inB["access_token"].(string)} {
		if r := s.Do("GET", "/api/v1/tenant", tok, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("old access token (%s) after the change: %d, want 401", name, r.Status)
		}
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": inB["refresh_token"]}); r.Status != http.StatusUnauthorized {
		t.Errorf("old refresh token after the change: %d, want 401", r.Status)
	}
	assertPassword(t, s, a.Email, a.Password, next)
	for _, tenant := range []string{a.TenantID, b.TenantID} {
		if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.password_change' AND target_id = $2`, tenant, a.UserID); n != 1 {
			t.Errorf("audit rows of the change in tenant %s: %d, want 1", tenant, n)
		}
	}
}

// assertPassword checks that email signs in with the new password and not with the old one.
func assertPassword(t *testing.T, s *apitest.Server, email, old, next string) {
	t.Helper()
	if r := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": old}); r.Status != http.StatusUnauthorized {
		t.Errorf("the old password: %d, want 401", r.Status)
	}
	if r := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": next}); r.Status != http.StatusOK {
		t.Errorf("the new password: %d %s", r.Status, r.Body)
	}
}

// TestPasswordReset: asking for a reset answers the same whether or not the address has an account,
// and mails a single-use token (stored hashed) to an account only, at most one a minute; the token
// sets a new password and ends every session; a used token is 410, so is an expired one, an unknown
// one 404.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	a := s.Register("tess")
	second := s.Must(http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password})

	known := s.Do("POST", "/api/v1/auth/password-reset", "", map[string]any{"email": a.Email})
	unknown := s.Do("POST", "/api/v1/auth/password-reset", "", map[string]any{"email": "nobody@example.com"})
	if known.Status != http.StatusAccepted || known.Fingerprint() != unknown.Fingerprint() {
		t.Fatalf("reset requests tell accounts apart:\n%s\n%s", known.Fingerprint(), unknown.Fingerprint())
	}
	token := s.WaitMailedToken(a.Email, "rst", 1)
	if n := s.Count(`SELECT count(*) FROM outbox_messages WHERE recipient = 'nobody@example.com'`); n != 0 {
		t.Errorf("mail to an address without an account: %d", n)
	}
	if n := s.Count(`SELECT count(*) FROM user_tokens WHERE user_id = $1 AND purpose = 'password_reset' AND octet_length(token_hash) = 32`, a.UserID); n != 1 {
		t.Errorf("reset tokens stored for the account: %d, want 1", n)
	}
	if n := s.Count(`SELECT count(*) FROM user_tokens t WHERE strpos(t::text, $1) > 0 OR strpos(t::text, $2) > 0`, token, token[8:]); n != 0 {
		t.Errorf("the token is stored in clear: %d rows", n)
	}
	s.Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", "", map[string]any{"email": a.Email})
	if n := s.Count(`SELECT count(*) FROM outbox_messages WHERE recipient = $1 AND subject LIKE 'Reset%'`, a.Email); n != 1 {
		t.Errorf("reset mails after two requests in a minute: %d, want 1", n)
	}

	next := "my recovered passphrase"
	complete := func(tok, password string) apitest.Response {
		return s.Do("POST", "/api/v1/auth/password-reset/complete", "", map[string]any{"token": tok, "password": password})
	}
	if r := complete(token, "short"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "body.password") {
		t.Errorf("a short password: %d %s", r.Status, r.Body)
	}
	if r := complete(token[:len(token)-8]+"AAAAAAAA", next); r.Status != http.StatusNotFound {
		t.Errorf("a forged token: %d %s, want 404", r.Status, r.Body)
	}
	if r := complete(token, next); r.Status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	if r := complete(token, "yet another passphrase"); r.Status != http.StatusGone {
		t.Errorf("the token again: %d %s, want 410", r.Status, r.Body)
	}
	for name, tok := range map[string]string{"registration": a.Access, "second sign-in": second["access_token"].(string)} {
		if r := s.Do("GET", "/api/v1/tenant", tok, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("%s's access token after the reset: %d, want 401", name, r.Status)
		}
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh}); r.Status != http.StatusUnauthorized {
		t.Errorf("a refresh token after the reset: %d, want 401", r.Status)
	}
	assertPassword(t, s, a.Email, a.Password, next)
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.password_reset'`, a.TenantID); n != 1 {
		t.Errorf("audit rows of the reset: %d, want 1", n)
	}

	// An expired token is gone too.
	b := s.Register("uli")
	s.Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", "", map[string]any{"email": b.Email})
	old := s.WaitMailedToken(b.Email, "rst", 1)
	s.SuperExec(`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE tenant_id = $1`, b.TenantID)
	if r := complete(old, next); r.Status != http.StatusGone {
		t.Errorf("an expired token: %d %s, want 410", r.Status, r.Body)
	}
	assertPassword(t, s, b.Email, next, b.Password)
}
