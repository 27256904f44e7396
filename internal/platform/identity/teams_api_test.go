package identity_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestTeamsAPI drives teams through HTTP on one server: the subtests run in parallel, each with
// tenants of its own.
func TestTeamsAPI(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	s.Run(t, "Lifecycle", teamLifecycle)
	s.Run(t, "Members", func(t *testing.T, s *apitest.Server) { teamMembers(t, s, m) })
	s.Run(t, "AdminsOnly", func(t *testing.T, s *apitest.Server) { teamAdminsOnly(t, s, m) })
	s.Run(t, "OtherTenant", teamsOfAnotherTenant)
}

// teamLifecycle: create, list by name, get, rename, a duplicate name in any case, delete; each
// change audited with its action.
func teamLifecycle(t *testing.T, s *apitest.Server) {
	owner := s.Register("tl-owner")
	desk := s.Must(201, "POST", "/api/v1/teams", owner.Access, map[string]any{"name": "Service desk"})
	s.Must(201, "POST", "/api/v1/teams", owner.Access, map[string]any{"name": "Backline"})
	id := desk["id"].(string)
	if desk["name"] != "Service desk" || desk["member_count"] != 0.0 {
		t.Errorf("created: %v", desk)
	}
	if got := teamNames(t, s, owner, "/api/v1/teams"); !slices.Equal(got, []string{"Backline", "Service desk"}) {
		t.Errorf("teams by name: %v", got)
	}
	if r := s.Do("POST", "/api/v1/teams", owner.Access, map[string]any{"name": "SERVICE DESK"}); r.Status != http.StatusConflict {
		t.Errorf("a second team named like the first in another case: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/teams", owner.Access, map[string]any{"name": ""}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("an empty name: %d %s", r.Status, r.Body)
	}
	renamed := s.Must(200, "PATCH", "/api/v1/teams/"+id, owner.Access, map[string]any{"name": "Front desk"})
	if renamed["name"] != "Front desk" {
		t.Errorf("renamed: %v", renamed)
	}
	if r := s.Do("PATCH", "/api/v1/teams/"+id, owner.Access, map[string]any{"name": "backline"}); r.Status != http.StatusConflict {
		t.Errorf("renaming to another team's name: %d", r.Status)
	}
	if got := s.Must(200, "GET", "/api/v1/teams/"+id, owner.Access, nil); got["name"] != "Front desk" {
		t.Errorf("after the refused rename: %v", got)
	}
	s.Must(204, "DELETE", "/api/v1/teams/"+id, owner.Access, nil)
	if r := s.Do("GET", "/api/v1/teams/"+id, owner.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("a deleted team: %d", r.Status)
	}
	for action, want := range map[string]int{"team.create": 2, "team.rename": 1, "team.delete": 1} {
		if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = $2`, owner.TenantID, action); n != want {
			t.Errorf("%s audit rows: %d, want %d", action, n, want)
		}
	}
}

// teamMembers: members are added and removed; one member may be in several teams; a user of
// another tenant cannot be added, with the answer a random user id gets.
func teamMembers(t *testing.T, s *apitest.Server, m *apitest.Mailer) {
	owner := s.Register("tm-owner")
	olga, vera := s.AddMember(m, owner, "tm-olga", "operator"), s.AddMember(m, owner, "tm-vera", "viewer")
	stranger := s.Register("tm-stranger")
	desk := s.Must(201, "POST", "/api/v1/teams", owner.Access, map[string]any{"name": "Desk"})["id"].(string)
	night := s.Must(201, "POST", "/api/v1/teams", owner.Access, map[string]any{"name": "Night shift"})["id"].(string)
	for _, team := range []string{desk, night} {
		added := s.Must(201, "POST", "/api/v1/teams/"+team+"/members", owner.Access, map[string]any{"user_id": olga.UserID})
		if added["user_id"] != olga.UserID || added["name"] != "tm-olga" {
			t.Errorf("added: %v", added)
		}
	}
	s.Must(201, "POST", "/api/v1/teams/"+desk+"/members", owner.Access, map[string]any{"user_id": vera.UserID})
	if got := teamNames(t, s, owner, "/api/v1/teams/"+desk+"/members"); !slices.Equal(got, []string{"tm-olga", "tm-vera"}) {
		t.Errorf("desk members: %v", got)
	}
	if got := teamNames(t, s, vera, "/api/v1/teams/"+night+"/members"); !slices.Equal(got, []string{"tm-olga"}) {
		t.Errorf("night members, read by a viewer: %v", got)
	}
	if got := s.Must(200, "GET", "/api/v1/teams/"+desk, owner.Access, nil); got["member_count"] != 2.0 {
		t.Errorf("desk: %v", got)
	}
	foreign := s.Do("POST", "/api/v1/teams/"+desk+"/members", owner.Access, map[string]any{"user_id": stranger.UserID})
	random := s.Do("POST", "/api/v1/teams/"+desk+"/members", owner.Access, map[string]any{"user_id": uuid.NewString()})
	if foreign.Status != http.StatusUnprocessableEntity || foreign.Fingerprint() != random.Fingerprint() {
		t.Errorf("adding a user of another tenant:\n%s\na random user id:\n%s", foreign.Fingerprint(), random.Fingerprint())
	}
	s.Must(204, "DELETE", "/api/v1/teams/"+desk+"/members/"+olga.UserID, owner.Access, nil)
	if r := s.Do("DELETE", "/api/v1/teams/"+desk+"/members/"+olga.UserID, owner.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("removing someone no longer in the team: %d", r.Status)
	}
	if got := teamNames(t, s, owner, "/api/v1/teams/"+night+"/members"); !slices.Equal(got, []string{"tm-olga"}) {
		t.Errorf("leaving desk took olga out of night shift: %v", got)
	}
	if n := s.Count(`SELECT count(*) FROM team_members WHERE tenant_id = $1`, owner.TenantID); n != 2 {
		t.Errorf("%d team memberships, want 2", n)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action IN ('team.member_add', 'team.member_remove')`, owner.TenantID); n != 4 {
		t.Errorf("%d member audit rows, want 4 (3 added, 1 removed)", n)
	}
}

// teamAdminsOnly: operators and viewers read teams; only admins and owners change them (403).
func teamAdminsOnly(t *testing.T, s *apitest.Server, m *apitest.Mailer) {
	owner := s.Register("ta-owner")
	admin, operator := s.AddMember(m, owner, "ta-admin", "admin"), s.AddMember(m, owner, "ta-operator", "operator")
	team := s.Must(201, "POST", "/api/v1/teams", admin.Access, map[string]any{"name": "Desk"})["id"].(string)
	before := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action <> 'auth.denied'`, owner.TenantID)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/teams", map[string]any{"name": "Mine"}},
		{"PATCH", "/api/v1/teams/" + team, map[string]any{"name": "Mine"}},
		{"DELETE", "/api/v1/teams/" + team, nil},
		{"POST", "/api/v1/teams/" + team + "/members", map[string]any{"user_id": operator.UserID}},
		{"DELETE", "/api/v1/teams/" + team + "/members/" + operator.UserID, nil},
	} {
		if r := s.Do(c.method, c.path, operator.Access, c.body); r.Status != http.StatusForbidden {
			t.Errorf("operator %s %s: %d %s, want 403", c.method, c.path, r.Status, r.Body)
		}
	}
	if got := teamNames(t, s, operator, "/api/v1/teams"); !slices.Equal(got, []string{"Desk"}) {
		t.Errorf("an operator's team list: %v", got)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action <> 'auth.denied'`, owner.TenantID); n != before {
		t.Errorf("refused requests wrote %d audit rows besides their denials", n-before)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.denied' AND outcome = 'denied'`, owner.TenantID); n != 5 {
		t.Errorf("%d denials audited, want 5", n)
	}
}

// teamsOfAnotherTenant: B's admin addressing A's team gets a random id's answer, byte for byte,
// and B's list shows nothing of A.
func teamsOfAnotherTenant(t *testing.T, s *apitest.Server) {
	a, b := s.Register("tx-a"), s.Register("tx-b")
	team := s.Must(201, "POST", "/api/v1/teams", a.Access, map[string]any{"name": "Secret desk"})["id"].(string)
	s.Must(201, "POST", "/api/v1/teams/"+team+"/members", a.Access, map[string]any{"user_id": a.UserID})
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/teams/%s", nil},
		{"PATCH", "/api/v1/teams/%s", map[string]any{"name": "pwned"}},
		{"DELETE", "/api/v1/teams/%s", nil},
		{"GET", "/api/v1/teams/%s/members", nil},
		{"POST", "/api/v1/teams/%s/members", map[string]any{"user_id": b.UserID}},
		{"DELETE", "/api/v1/teams/%s/members/" + a.UserID, nil},
	} {
		theirs := s.Do(c.method, strings.Replace(c.path, "%s", team, 1), b.Access, c.body)
		random := s.Do(c.method, strings.Replace(c.path, "%s", uuid.NewString(), 1), b.Access, c.body)
		if theirs.Status != http.StatusNotFound || theirs.Fingerprint() != random.Fingerprint() {
			t.Errorf("%s %s with A's team:\n%s\nrandom id:\n%s", c.method, c.path, theirs.Fingerprint(), random.Fingerprint())
		}
	}
	if got := teamNames(t, s, b, "/api/v1/teams"); len(got) != 0 {
		t.Errorf("B's teams: %v", got)
	}
	if got := s.Must(200, "GET", "/api/v1/teams/"+team, a.Access, nil); got["name"] != "Secret desk" || got["member_count"] != 1.0 {
		t.Errorf("A's team changed: %v", got)
	}
}

// teamNames returns the names of a list of teams or team members (one page).
func teamNames(t *testing.T, s *apitest.Server, a apitest.Account, path string) []string {
	t.Helper()
	var out []string
	for _, it := range s.Must(200, "GET", path, a.Access, nil)["items"].([]any) {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	return out
}
