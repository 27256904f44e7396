package identity_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestRegistrationDoesNotTellAccountsApart: registering an address that has an account answers
// exactly like a new registration (202, same body and headers), creates nothing, leaves the
// account's password alone and mails its owner instead. A new account cannot sign in until the
// link mailed to it is followed; following it signs the user in, once.
func TestRegistrationDoesNotTellAccountsApart(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	a := s.Register("vera")
	register := func(email, slug string) apitest.Response {
		return s.Do("POST", "/api/v1/auth/register", "", map[string]any{
			"user":   map[string]any{"email": email, "name": "Someone", "password": "an attacker's password"},
			"tenant": map[string]any{"name": "Some tenant", "slug": slug},
		})
	}
	before := s.Count(`SELECT (SELECT count(*) FROM tenants) * 1000 + (SELECT count(*) FROM users)`)
	fresh, taken := register("wim@example.com", "t-wim"), register("VERA@example.com", "t-vera-2")
	if fresh.Status != http.StatusAccepted || fresh.Fingerprint() != taken.Fingerprint() {
		t.Fatalf("registration tells a taken address apart:\n%s\n%s", fresh.Fingerprint(), taken.Fingerprint())
	}
	if strings.Contains(string(fresh.Body), "token") {
		t.Errorf("registration answers with a token: %s", fresh.Body)
	}
	if after := s.Count(`SELECT (SELECT count(*) FROM tenants) * 1000 + (SELECT count(*) FROM users)`); after != before+1001 {
		t.Errorf("tenants*1000+users: %d -> %d, want one tenant and one user more (the new address only)", before, after)
	}
	apitest.WaitFor(t, "the mail to the taken address", func() bool {
		for _, m := range s.MailedTo("VERA@example.com") { // as typed
			if strings.Contains(m, "Someone tried to sign up") {
				return true
			}
		}
		return false
	})
	login := func(email, password string) apitest.Response {
		return s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": password})
	}
	if r := login(a.Email, "an attacker's password"); r.Status != http.StatusUnauthorized {
		t.Errorf("the taken account with the registration's password: %d, want 401", r.Status)
	}
	wrong := login("wim@example.com", "not the password at all")
	if r := login("wim@example.com", "an attacker's password"); r.Status != http.StatusUnauthorized || r.Fingerprint() != wrong.Fingerprint() {
		t.Errorf("an unverified account signs in, or its refusal differs from a wrong password's: %d %s", r.Status, r.Body)
	}

	token := s.WaitMailedToken("wim@example.com", "ver", 1)
	if r := s.Do("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": token[:len(token)-6] + "AAAAAA"}); r.Status != http.StatusNotFound {
		t.Errorf("a forged token: %d %s, want 404", r.Status, r.Body)
	}
	sess := s.Must(http.StatusOK, "POST", "/api/v1/auth/verify-email", "", map[string]any{"token": token})
	ten := s.Must(http.StatusOK, "GET", "/api/v1/tenant", sess["access_token"].(string), nil)
	if ten["slug"] != "t-wim" || sess["role"] != "owner" {
		t.Errorf("the verified session: %v in %v", sess, ten)
	}
	if r := s.Do("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": token}); r.Status != http.StatusGone {
		t.Errorf("the token again: %d %s, want 410", r.Status, r.Body)
	}
	if r := login("wim@example.com", "an attacker's password"); r.Status != http.StatusOK {
		t.Errorf("sign-in after verification: %d %s", r.Status, r.Body)
	}
}

// TestResetVerifiesTheAddress: an account whose verification mail was lost gets in by resetting
// its password: the reset token came by mail as well.
func TestResetVerifiesTheAddress(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	s.Must(http.StatusAccepted, "POST", "/api/v1/auth/register", "", map[string]any{
		"user":   map[string]any{"email": "xia@example.com", "name": "Xia", "password": "the first passphrase"},
		"tenant": map[string]any{"name": "Xia's", "slug": "t-xia"},
	})
	s.Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", "", map[string]any{"email": "xia@example.com"})
	token := s.WaitMailedToken("xia@example.com", "rst", 1)
	s.Must(http.StatusNoContent, "POST", "/api/v1/auth/password-reset/complete", "", map[string]any{"token": token, "password": "the second passphrase"})
	s.Must(http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]any{"email": "xia@example.com", "password": "the second passphrase"})
}
