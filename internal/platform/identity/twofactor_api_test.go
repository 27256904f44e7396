package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// enrol enrols a's TOTP authenticator and returns its secret, the code that confirmed it and the
// recovery codes.
func enrol(t *testing.T, s *apitest.Server, a apitest.Account) (secret, used string, recovery []string) {
	t.Helper()
	start := s.Do("POST", "/api/v1/me/two-factor/totp", a.Access, nil)
	if start.Status != 200 || start.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("start: %d %q %s", start.Status, start.Header.Get("Cache-Control"), start.Body)
	}
	secret = start.JSON(t)["secret"].(string)
	if uri := start.JSON(t)["otpauth_uri"].(string); !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
		t.Errorf("otpauth URI: %s", uri)
	}
	used = identity.TOTPCode(secret, time.Now(), 0)
	conf := s.Do("POST", "/api/v1/me/two-factor/totp/confirm", a.Access, map[string]any{"code": used})
	if conf.Status != 200 || conf.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("confirm: %d %q %s", conf.Status, conf.Header.Get("Cache-Control"), conf.Body)
	}
	for _, c := range conf.JSON(t)["recovery_codes"].([]any) {
		recovery = append(recovery, c.(string))
	}
	return secret, used, recovery
}

// login signs a in with the password and returns the second-factor token (failing if the answer
// is a session).
func challenge(t *testing.T, s *apitest.Server, a apitest.Account) string {
	t.Helper()
	r := s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password})
	if r["access_token"] != nil || r["second_factor_required"] != true {
		t.Fatalf("an enrolled user's password sign-in: %v", r)
	}
	return r["second_factor_token"].(string)
}

func TestTOTPEnrolAndSignIn(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("tess")

	// Enrolment: a wrong first code does not enable it.
	start := s.Must(200, "POST", "/api/v1/me/two-factor/totp", a.Access, nil)
	wrong := identity.TOTPCode(start["secret"].(string), time.Now(), 5)
	if r := s.Do("POST", "/api/v1/me/two-factor/totp/confirm", a.Access, map[string]any{"code": wrong}); r.Status != 422 || !strings.Contains(string(r.Body), "body.code") {
		t.Fatalf("confirm with a wrong code: %d %s", r.Status, r.Body)
	}
	if r := s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password}); r["access_token"] == nil {
		t.Fatalf("sign-in before the enrolment is confirmed: %v", r)
	}
	secret, used, recovery := enrol(t, s, a)
	if len(recovery) != 10 {
		t.Fatalf("recovery codes: %d, want 10", len(recovery))
	}
	if n := s.Count(`SELECT count(*) FROM user_totp WHERE position(convert_to($1, 'UTF8') IN secret) > 0`, secret); n != 0 {
		t.Error("the TOTP secret is stored in the clear")
	}
	if n := s.Count(`SELECT count(*) FROM user_recovery_codes WHERE code_hash = sha256(convert_to($1, 'UTF8'))`, recovery[0]); n != 1 {
		t.Error("recovery codes are not stored as their SHA-256 hashes")
	}
	if r := s.Do("POST", "/api/v1/me/two-factor/totp", a.Access, nil); r.Status != 409 {
		t.Errorf("starting again while enabled: %d, want 409", r.Status)
	}

	// Sign-in: the password alone gives a challenge, not a session.
	tok := challenge(t, s, a)
	if r := s.Do("GET", "/api/v1/me", tok, nil); r.Status != 401 {
		t.Errorf("the challenge used as an access token: %d, want 401", r.Status)
	}
	step := func(body map[string]any) apitest.Response {
		body["second_factor_token"] = tok
		return s.Do("POST", "/api/v1/auth/login/second-factor", "", body)
	}
	if r := step(map[string]any{"code": identity.TOTPCode(secret, time.Now(), 3)}); r.Status != 401 {
		t.Errorf("a wrong code: %d, want 401", r.Status)
	}
	if r := step(map[string]any{"code": used}); r.Status != 401 {
		t.Errorf("the code that confirmed the enrolment, replayed: %d, want 401", r.Status)
	}
	if r := step(map[string]any{}); r.Status != 422 {
		t.Errorf("neither code nor recovery code: %d, want 422", r.Status)
	}
	next := identity.TOTPCode(secret, time.Now(), 1)
	sess := step(map[string]any{"code": next})
	if sess.Status != 200 {
		t.Fatalf("a current code: %d %s", sess.Status, sess.Body)
	}
	access := sess.JSON(t)["access_token"].(string)
	if r := s.Do("GET", "/api/v1/tenant", access, nil); r.Status != 200 {
		t.Errorf("the completed session reads the tenant: %d", r.Status)
	}
	if r := step(map[string]any{"code": next}); r.Status != 401 {
		t.Errorf("the challenge used twice: %d, want 401", r.Status)
	}
	// The same code again, with a new challenge: replayed.
	tok = challenge(t, s, a)
	if r := step(map[string]any{"code": next}); r.Status != 401 {
		t.Errorf("a replayed code: %d, want 401", r.Status)
	}

	// Recovery codes work once each, in either case and without the dash.
	if r := step(map[string]any{"recovery_code": strings.ToUpper(strings.ReplaceAll(recovery[0], "-", ""))}); r.Status != 200 {
		t.Fatalf("a recovery code: %d %s", r.Status, r.Body)
	}
	tok = challenge(t, s, a)
	if r := step(map[string]any{"recovery_code": recovery[0]}); r.Status != 401 {
		t.Errorf("a used recovery code: %d, want 401", r.Status)
	}
	if r := step(map[string]any{"recovery_code": recovery[1]}); r.Status != 200 {
		t.Errorf("another recovery code: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM security_events WHERE action = 'auth.second_factor' AND outcome = 'success'`); n != 3 {
		t.Errorf("completed second factors in the security log: %d, want 3", n)
	}

	// Disabling needs the password and a code.
	if r := s.Do("POST", "/api/v1/me/two-factor/totp/disable", a.Access, map[string]any{"password": "wrong password!", "recovery_code": recovery[2]}); r.Status != 422 || !strings.Contains(string(r.Body), "body.password") {
		t.Errorf("disable with a wrong password: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/me/two-factor/totp/disable", a.Access, map[string]any{"password": a.Password, "recovery_code": recovery[0]}); r.Status != 422 {
		t.Errorf("disable with a used recovery code: %d, want 422", r.Status)
	}
	s.Must(204, "POST", "/api/v1/me/two-factor/totp/disable", a.Access, map[string]any{"password": a.Password, "recovery_code": recovery[2]})
	if r := s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password}); r["access_token"] == nil {
		t.Errorf("sign-in after disabling: %v", r)
	}
	if n := s.Count(`SELECT count(*) FROM user_recovery_codes`); n != 0 {
		t.Errorf("recovery codes left after disabling: %d", n)
	}
}

func TestTOTPChallengeDiesAfterWrongCodes(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ugo")
	secret, _, _ := enrol(t, s, a)
	tok := challenge(t, s, a)
	for range 5 {
		s.Must(401, "POST", "/api/v1/auth/login/second-factor", "", map[string]any{"second_factor_token": tok, "code": identity.TOTPCode(secret, time.Now(), 4)})
	}
	if r := s.Do("POST", "/api/v1/auth/login/second-factor", "", map[string]any{"second_factor_token": tok, "code": identity.TOTPCode(secret, time.Now(), 1)}); r.Status != 401 {
		t.Errorf("a right code after five wrong ones: %d, want 401", r.Status)
	}
}

func TestTenantRequiresTwoFactor(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	owner := s.Register("vera")
	admin := s.AddMember(m, owner, "walt", "admin")
	op := s.AddMember(m, owner, "xena", "operator")
	const body = `"type":"` + identity.TwoFactorRequiredType + `"`

	// Requiring it needs the caller's own second factor, so no admin locks themselves out.
	if r := s.Do("PUT", "/api/v1/tenant/security", owner.Access, map[string]any{"require_two_factor": true}); r.Status != 403 || !strings.Contains(string(r.Body), body) {
		t.Fatalf("requiring it without a second factor: %d %s", r.Status, r.Body)
	}
	enrol(t, s, owner)
	s.Must(200, "PUT", "/api/v1/tenant/security", owner.Access, map[string]any{"require_two_factor": true})
	if r := s.Must(200, "GET", "/api/v1/tenant/security", owner.Access, nil); r["require_two_factor"] != true {
		t.Errorf("the setting reads %v", r)
	}

	// The admin without a second factor: tenant operations refused, with the type saying why.
	r := s.Do("GET", "/api/v1/members", admin.Access, nil)
	if r.Status != 403 || !strings.Contains(string(r.Body), body) || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
		t.Errorf("an admin without a second factor lists members: %d %s", r.Status, r.Body)
	}
	if r := s.Do("GET", "/api/v1/tenant", admin.Access, nil); r.Status != 403 {
		t.Errorf("an admin without a second factor reads the tenant: %d, want 403", r.Status)
	}
	// ... but /me, refreshing and the enrolment itself stay open.
	s.Must(200, "GET", "/api/v1/me", admin.Access, nil)
	// Members below admin, and the enrolled owner, are not concerned.
	s.Must(200, "GET", "/api/v1/tenant", op.Access, nil)
	s.Must(200, "GET", "/api/v1/members", owner.Access, nil)

	enrol(t, s, admin)
	s.Must(200, "GET", "/api/v1/members", admin.Access, nil)

	// Turning the requirement off opens the tenant again to an admin who disables theirs.
	s.Must(200, "PUT", "/api/v1/tenant/security", owner.Access, map[string]any{"require_two_factor": false})
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'tenant.two_factor_policy'`, owner.TenantID); n != 2 {
		t.Errorf("policy changes audited: %d, want 2", n)
	}
	if r := s.Do("PUT", "/api/v1/tenant/security", op.Access, map[string]any{"require_two_factor": true}); r.Status != 403 {
		t.Errorf("an operator changes the setting: %d, want 403", r.Status)
	}
}

// TestTwoFactorRequirementReachesOtherInstances: the requirement, and an enrolment that satisfies
// it, apply on an instance that had the admin's answer cached, once the notification arrives.
func TestTwoFactorRequirementReachesOtherInstances(t *testing.T) {
	t.Parallel()
	servers := apitest.Instances(t, 2, apitest.Options{})
	a, b := servers[0], servers[1]
	listening(t, b)
	owner := a.Register("yan")
	admin := a.AddMember(a.Mailer(), owner, "zed", "admin")
	enrol(t, a, owner)
	b.Must(200, "GET", "/api/v1/members", admin.Access, nil) // b caches: not required
	a.Must(200, "PUT", "/api/v1/tenant/security", owner.Access, map[string]any{"require_two_factor": true})
	apitest.WaitFor(t, "the other instance to apply the requirement", func() bool {
		return b.Do("GET", "/api/v1/members", admin.Access, nil).Status == 403
	})
	enrol(t, a, admin)
	apitest.WaitFor(t, "the other instance to see the enrolment", func() bool {
		return b.Do("GET", "/api/v1/members", admin.Access, nil).Status == 200
	})
}
