package identity_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// changeEmail asks, with a's session and password, to change a's address to next.
func changeEmail(s *apitest.Server, a apitest.Account, next string) apitest.Response {
	return s.Do("POST", "/api/v1/me/email", a.Access, map[string]any{"new_email": next, "current_password": a.Password})
}

// completeEmailChange sends an address-change token.
func completeEmailChange(s *apitest.Server, token string) apitest.Response {
	return s.Do("POST", "/api/v1/auth/email-change/complete", "", map[string]any{"token": token})
}

// login signs in with email and password.
func signIn(s *apitest.Server, email, password string) apitest.Response {
	return s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": password})
}

// TestEmailChange: the request mails a single-use token (stored hashed) to the new address and a
// notice to the old one, and changes nothing yet; the token sets the new address, verified, ends
// every session of the user in every tenant (audited in each), and cannot be used again.
func TestEmailChange(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	a, b := s.Register("abe"), s.Register("bea")
	s.Must(http.StatusCreated, "POST", "/api/v1/invitations", b.Access, map[string]any{"email": a.Email, "role": "viewer"})
	inB := s.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", "", map[string]any{"token": s.MailToken(a.Email, "inv"), "password": a.Password})
	next := "abe.new@example.org"

	r := changeEmail(s, a, next)
	if r.Status != http.StatusAccepted || strings.Contains(string(r.Body), "tnr_") {
		t.Fatalf("change request: %d %s", r.Status, r.Body)
	}
	token := s.WaitMailedToken(next, "emc", 1)
	apitest.WaitFor(t, "the notice to the old address", func() bool {
		for _, m := range s.MailedTo(a.Email) {
			if strings.Contains(m, "being changed") && strings.Contains(m, next) && !strings.Contains(m, "tnr_emc_") {
				return true
			}
		}
		return false
	})
	if n := s.Count(`SELECT count(*) FROM user_tokens WHERE user_id = $1 AND purpose = 'email_change' AND email = $2 AND octet_length(token_hash) = 32
		AND expires_at BETWEEN now() + interval '23 hours' AND now() + interval '25 hours'`, a.UserID, next); n != 1 {
		t.Errorf("address-change tokens stored for the account: %d, want 1 (24 hours)", n)
	}
	if n := s.Count(`SELECT count(*) FROM user_tokens t WHERE strpos(t::text, $1) > 0 OR strpos(t::text, $2) > 0`, token, token[8:]); n != 0 {
		t.Errorf("the token is stored in clear: %d rows", n)
	}
	// Until confirmed, the old address stays the sign-in address.
	if r := signIn(s, next, a.Password); r.Status != http.StatusUnauthorized {
		t.Errorf("the new address before confirmation: %d, want 401", r.Status)
	}
	s.Must(http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password})

	if r := completeEmailChange(s, token[:len(token)-8]+"AAAAAAAA"); r.Status != http.StatusNotFound {
		t.Errorf("a forged token: %d %s, want 404", r.Status, r.Body)
	}
	if r := completeEmailChange(s, token); r.Status != http.StatusNoContent {
		t.Fatalf("complete: %d %s", r.Status, r.Body)
	}
	if r := completeEmailChange(s, token); r.Status != http.StatusGone {
		t.Errorf("the token again: %d %s, want 410", r.Status, r.Body)
	}
	if r := signIn(s, a.Email, a.Password); r.Status != http.StatusUnauthorized {
		t.Errorf("the old address after the change: %d, want 401", r.Status)
	}
	if r := signIn(s, next, a.Password); r.Status != http.StatusOK {
		t.Errorf("the new address after the change: %d %s", r.Status, r.Body)
	}
	for name, tok := range map[string]string{"own tenant": a.Access, "other tenant": inB["access_token"].(string)} {
		if r := s.Do("GET", "/api/v1/tenant", tok, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("old access token (%s) after the change: %d, want 401", name, r.Status)
		}
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": inB["refresh_token"]}); r.Status != http.StatusUnauthorized {
		t.Errorf("old refresh token after the change: %d, want 401", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM users WHERE id = $1 AND email = $2 AND email_verified_at IS NOT NULL`, a.UserID, next); n != 1 {
		t.Errorf("the user's row after the change: %d matching, want the new address, verified", n)
	}
	for _, tenant := range []string{a.TenantID, b.TenantID} {
		if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.email_change' AND target_id = $2`, tenant, a.UserID); n != 1 {
			t.Errorf("audit rows of the change in tenant %s: %d, want 1", tenant, n)
		}
	}
}

// TestEmailChangeRefusals: a wrong current password is 422 naming body.current_password and
// counts as a sign-in attempt (the account's budget from this source: 429 once spent); no bearer
// token is 401; a malformed address, or the current one, is 422 naming body.new_email.
func TestEmailChangeRefusals(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true, Configure: func(c *app.Config) {
		c.RateLimits[ratelimit.AccountSource] = ratelimit.Limit{Rate: 3, Period: 10 * time.Minute, Burst: 3}
	}})
	a := s.Register("cid")
	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"wrong current password": {map[string]any{"new_email": "cid2@example.com", "current_password": "not my password"}, "body.current_password"},
		"not an address":         {map[string]any{"new_email": "nobody", "current_password": a.Password}, "body.new_email"},
		"the same address":       {map[string]any{"new_email": "CID@example.com", "current_password": a.Password}, "body.new_email"},
	} {
		r := s.Do("POST", "/api/v1/me/email", a.Access, c.body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s: %d %s, want 422 naming %s", name, r.Status, r.Body, c.field)
		}
	}
	if r := s.Do("POST", "/api/v1/me/email", "", map[string]any{"new_email": "cid2@example.com", "current_password": a.Password}); r.Status != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM user_tokens WHERE user_id = $1 AND purpose = 'email_change'`, a.UserID); n != 0 {
		t.Errorf("tokens after refused requests: %d, want 0", n)
	}
	// Each request that checked the password spent the account's sign-in budget from this source
	// (three, set below), as a sign-in does: the wrong one and "the same address" above, and one
	// more guess; the next is refused, and so is a sign-in from this source.
	if r := s.Do("POST", "/api/v1/me/email", a.Access, map[string]any{"new_email": "cid2@example.com", "current_password": "guess"}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("the third attempt: %d %s, want 422", r.Status, r.Body)
	}
	if r := changeEmail(s, a, "cid2@example.com"); r.Status != http.StatusTooManyRequests {
		t.Errorf("the fourth attempt, with the right password: %d %s, want 429", r.Status, r.Body)
	}
	if r := signIn(s, a.Email, a.Password); r.Status != http.StatusTooManyRequests {
		t.Errorf("sign-in from the same source after the guesses: %d, want 429 (one budget)", r.Status)
	}
}

// TestEmailChangeToTakenAddress: asking for an address that has an account answers exactly like
// asking for a free one (the token is mailed to it anyway: only its owner reads it), and the token
// is then refused with a generic 409 that changes nothing; an address taken between request and
// completion is refused the same way. The token stays unused.
func TestEmailChangeToTakenAddress(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	a, b, c := s.Register("dan"), s.Register("eve"), s.Register("fay")
	free, taken := changeEmail(s, a, "dan.new@example.com"), changeEmail(s, c, b.Email)
	if free.Status != http.StatusAccepted || free.Fingerprint() != taken.Fingerprint() {
		t.Fatalf("the request tells a taken address apart:\n%s\n%s", free.Fingerprint(), taken.Fingerprint())
	}
	tokenTaken := s.WaitMailedToken(b.Email, "emc", 1)
	if r := completeEmailChange(s, tokenTaken); r.Status != http.StatusConflict || strings.Contains(string(r.Body), b.Email) {
		t.Errorf("completing to a taken address: %d %s, want a generic 409", r.Status, r.Body)
	}

	// dan.new@example.com was free at the request and is taken (registered, verified) before completion.
	tokenFree := s.WaitMailedToken("dan.new@example.com", "emc", 1)
	s.Must(http.StatusAccepted, "POST", "/api/v1/auth/register", "", map[string]any{
		"user":   map[string]any{"email": "dan.new@example.com", "name": "Other", "password": "someone else's password"},
		"tenant": map[string]any{"name": "Other", "slug": "t-other"},
	})
	s.Must(http.StatusOK, "POST", "/api/v1/auth/verify-email", "", map[string]any{"token": s.MailToken("dan.new@example.com", "ver")})
	if r := completeEmailChange(s, tokenFree); r.Status != http.StatusConflict {
		t.Errorf("completing to an address taken meanwhile: %d %s, want 409", r.Status, r.Body)
	}

	for _, x := range []apitest.Account{a, c} {
		if r := s.Do("GET", "/api/v1/tenant", x.Access, nil); r.Status != http.StatusOK {
			t.Errorf("%s's session after a refused change: %d, want 200", x.Email, r.Status)
		}
		if r := signIn(s, x.Email, x.Password); r.Status != http.StatusOK {
			t.Errorf("%s signs in after a refused change: %d", x.Email, r.Status)
		}
		if n := s.Count(`SELECT count(*) FROM users WHERE id = $1 AND email = $2`, x.UserID, x.Email); n != 1 {
			t.Errorf("%s's address changed", x.Email)
		}
	}
	if n := s.Count(`SELECT count(*) FROM user_tokens WHERE purpose = 'email_change' AND used_at IS NOT NULL`); n != 0 {
		t.Errorf("refused tokens used up: %d", n)
	}
}

// TestEmailChangeTokenBound: an expired token is 410; a token changes only the address of the user
// who asked for it, whoever sends it (a signed-in user's bearer token does not redirect it).
func TestEmailChangeTokenBound(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	a, b := s.Register("gus"), s.Register("hal")

	s.Must(http.StatusAccepted, "POST", "/api/v1/me/email", a.Access, map[string]any{"new_email": "gus.new@example.com", "current_password": a.Password})
	old := s.WaitMailedToken("gus.new@example.com", "emc", 1)
	s.SuperExec(`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND purpose = 'email_change'`, a.TenantID)
	if r := completeEmailChange(s, old); r.Status != http.StatusGone {
		t.Errorf("an expired token: %d %s, want 410", r.Status, r.Body)
	}
	if r := signIn(s, a.Email, a.Password); r.Status != http.StatusOK {
		t.Errorf("the old address after an expired token: %d", r.Status)
	}

	s.Must(http.StatusAccepted, "POST", "/api/v1/me/email", b.Access, map[string]any{"new_email": "hal.new@example.com", "current_password": b.Password})
	tok := s.WaitMailedToken("hal.new@example.com", "emc", 1)
	r := s.Do("POST", "/api/v1/auth/email-change/complete", a.Access, map[string]any{"token": tok})
	if r.Status != http.StatusNoContent {
		t.Fatalf("complete with another user's bearer token: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM users WHERE (id = $1 AND email = $2) OR (id = $3 AND email = 'hal.new@example.com')`, a.UserID, a.Email, b.UserID); n != 2 {
		t.Errorf("the token changed another user's address, or not its own: %d rows as expected, want 2", n)
	}
	if r := s.Do("GET", "/api/v1/tenant", a.Access, nil); r.Status != http.StatusOK {
		t.Errorf("the sender's own session after completing another user's change: %d, want 200", r.Status)
	}
}
