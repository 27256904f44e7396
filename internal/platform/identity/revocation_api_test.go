package identity_test

import (
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// listening waits until s's session cache listens to the database's session changes, so that the
// requests of a test go through the cache, as in the running service.
func listening(t *testing.T, s *apitest.Server) {
	t.Helper()
	apitest.WaitFor(t, "the session cache to listen", func() bool { return strings.Contains(s.Logs.String(), "session changes: listening") })
}

// TestRemovedMemberIsOutAtOnce: a removed member's access token is refused (401) on the next
// request, and the invitations they sent die with their membership (accepting one answers 410)
// until an admin invites the address again.
func TestRemovedMemberIsOutAtOnce(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	listening(t, s)
	m := s.Mailer()
	owner := s.Register("rosa")
	admin := s.AddMember(m, owner, "rex", "admin")
	s.Must(201, "POST", "/api/v1/invitations", admin.Access, map[string]any{"email": "ned@example.com", "role": "operator"})
	token := m.TokenFor(t, "ned@example.com")
	s.Must(200, "GET", "/api/v1/members", admin.Access, nil) // the session is cached now

	s.Must(204, "DELETE", "/api/v1/members/"+s.MemberID(owner, admin.UserID), owner.Access, nil)
	for _, path := range []string{"/api/v1/members", "/api/v1/tenant", "/api/v1/me"} {
		if r := s.Do("GET", path, admin.Access, nil); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("removed member, GET %s: %d, want 401 with WWW-Authenticate", path, r.Status)
		}
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": admin.Refresh}); r.Status != 401 {
		t.Errorf("removed member's refresh: %d, want 401", r.Status)
	}
	accept := map[string]any{"token": token, "name": "ned", "password": "correct horse ned"}
	if r := s.Do("POST", "/api/v1/invitations/accept", "", accept); r.Status != 410 {
		t.Errorf("accepting the removed member's invitation: %d %s, want 410", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'member.remove'
		AND details ->> 'invitations_revoked' = '1'`, owner.TenantID); n != 1 {
		t.Errorf("removal audited with its revoked invitations %d times, want 1", n)
	}
	s.Must(201, "POST", "/api/v1/invitations", owner.Access, map[string]any{"email": "ned@example.com", "role": "operator"})
	accept["token"] = m.TokenFor(t, "ned@example.com")
	s.Must(200, "POST", "/api/v1/invitations/accept", "", accept)
}

// TestLogoutKillsTheAccessToken: after logout the session's access token is refused at once.
func TestLogoutKillsTheAccessToken(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	listening(t, s)
	a := s.Register("lea")
	other := s.Must(200, "POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password})
	s.Must(200, "GET", "/api/v1/tenant", a.Access, nil)
	s.Must(204, "POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": a.Refresh})
	if r := s.Do("GET", "/api/v1/tenant", a.Access, nil); r.Status != 401 {
		t.Errorf("access token after logout: %d, want 401", r.Status)
	}
	s.Must(200, "GET", "/api/v1/tenant", other["access_token"].(string), nil) // another session is untouched
}

// TestRefreshReuseKillsTheSession: presenting a used refresh token revokes its family, and every
// access token of that session, old and new, is refused from the next request on.
func TestRefreshReuseKillsTheSession(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	listening(t, s)
	a := s.Register("max")
	next := s.Must(200, "POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh})
	newer := next["access_token"].(string)
	s.Must(200, "GET", "/api/v1/tenant", a.Access, nil)
	s.Must(200, "GET", "/api/v1/tenant", newer, nil)
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh}); r.Status != 401 {
		t.Fatalf("reused refresh token: %d, want 401", r.Status)
	}
	for name, tok := range map[string]string{"first": a.Access, "rotated": newer} {
		if r := s.Do("GET", "/api/v1/tenant", tok, nil); r.Status != 401 {
			t.Errorf("%s access token after reuse: %d, want 401", name, r.Status)
		}
	}
}

// TestDemotionAppliesAtOnce: a demoted admin's old token carries the new role from the next
// request: admin operations answer 403, viewer operations still work, and the invitations the
// admin sent, which a viewer could not send, are revoked.
func TestDemotionAppliesAtOnce(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	listening(t, s)
	m := s.Mailer()
	owner := s.Register("ola")
	admin := s.AddMember(m, owner, "ivy", "admin")
	s.Must(201, "POST", "/api/v1/invitations", admin.Access, map[string]any{"email": "kit@example.com", "role": "viewer"})
	token := m.TokenFor(t, "kit@example.com")
	s.Must(200, "GET", "/api/v1/members", admin.Access, nil)

	s.Must(200, "PATCH", "/api/v1/members/"+s.MemberID(owner, admin.UserID), owner.Access, map[string]any{"role": "viewer"})
	if r := s.Do("GET", "/api/v1/members", admin.Access, nil); r.Status != 403 {
		t.Errorf("admin operation with the demoted admin's token: %d, want 403", r.Status)
	}
	if r := s.Do("POST", "/api/v1/invitations", admin.Access, map[string]any{"email": "zed@example.com", "role": "viewer"}); r.Status != 403 {
		t.Errorf("inviting with the demoted admin's token: %d, want 403", r.Status)
	}
	s.Must(200, "GET", "/api/v1/tenant", admin.Access, nil)
	if r := s.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": token, "name": "kit", "password": "correct horse kit"}); r.Status != 410 {
		t.Errorf("accepting the demoted admin's invitation: %d, want 410", r.Status)
	}
	s.Must(200, "PATCH", "/api/v1/members/"+s.MemberID(owner, admin.UserID), owner.Access, map[string]any{"role": "admin"})
	s.Must(200, "GET", "/api/v1/members", admin.Access, nil) // promoted again: the same token has the role back
}

// TestSessionChangesReachOtherInstances: a logout on one instance ends the session on another,
// which had it cached, once the database's notification arrives.
func TestSessionChangesReachOtherInstances(t *testing.T) {
	t.Parallel()
	servers := apitest.Instances(t, 2, apitest.Options{})
	a, b := servers[0], servers[1]
	listening(t, b)
	acct := a.Register("uma")
	b.Must(200, "GET", "/api/v1/tenant", acct.Access, nil)
	a.Must(204, "POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": acct.Refresh})
	apitest.WaitFor(t, "the other instance to refuse the token", func() bool {
		return b.Do("GET", "/api/v1/tenant", acct.Access, nil).Status == 401
	})
}
