package flows_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAPILibrary drives the step library through HTTP: visibility, the seed's 404 for a step
// that fails the view or the edit check, ratings, private copies and usage counts.
func TestAPILibrary(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	s.run(t, "VisibilityAndEdits", testLibraryVisibility)
	s.run(t, "Ratings", testLibraryRatings)
	s.run(t, "SaveCopyAndUsage", testLibraryCopyAndUsage)
}

// libraryStep creates a step of a with the given visibility (and team, for "team").
func (s flowsAPI) libraryStep(a apitest.Account, title, visibility, team string) string {
	s.T.Helper()
	body := map[string]any{"title": title, "step_type": "instruction", "content": "Do " + title, "visibility": visibility}
	if team != "" {
		body["team_id"] = team
	}
	return s.Must(201, "POST", "/api/v1/steps", a.Access, body)["id"].(string)
}

// testLibraryVisibility: private steps are their owner's, team steps their team's, account
// steps everyone's; a step that cannot be seen, or changed by a member who is neither its owner
// nor an admin, is a 404 like a random id.
func testLibraryVisibility(t *testing.T, s flowsAPI) {
	o := s.office("lv", "olga:operator*", "otto:operator*", "oscar:operator")
	olga, otto, oscar, owner := o.m("olga"), o.m("otto"), o.m("oscar"), o.owner
	private := s.libraryStep(olga, "Clear the cache", "private", "")
	team := s.libraryStep(olga, "Reset the VPN profile", "team", o.desk)
	account := s.libraryStep(olga, "Restart the spooler", "account", "")
	sees := map[string][]string{"olga": {private, team, account}, "otto": {team, account}, "oscar": {account}, "owner": {account}}
	who := map[string]apitest.Account{"olga": olga, "otto": otto, "oscar": oscar, "owner": owner}
	for name, a := range who {
		if got := field(items(s.Must(200, "GET", "/api/v1/steps", a.Access, nil)), "id"); !sameSet(got, sees[name]) {
			t.Errorf("%s lists %v, want %v", name, got, sees[name])
		}
	}
	random := func(method string, body any) apitest.Response {
		return s.Do(method, "/api/v1/steps/"+uuid.NewString(), otto.Access, body)
	}
	rename := map[string]any{"title": "Renamed"}
	sameAsRandom(t, "reading a colleague's private step", s.Do("GET", "/api/v1/steps/"+private, otto.Access, nil), random("GET", nil))
	sameAsRandom(t, "changing a team step of a colleague", s.Do("PATCH", "/api/v1/steps/"+team, otto.Access, rename), random("PATCH", rename))
	sameAsRandom(t, "deleting an account step of a colleague", s.Do("DELETE", "/api/v1/steps/"+account, otto.Access, nil), random("DELETE", nil))
	if got := s.Must(200, "GET", "/api/v1/steps/"+team, otto.Access, nil); got["can_edit"] != false || got["title"] != "Reset the VPN profile" {
		t.Errorf("otto's view of the team step: %v", got)
	}
	if got := s.Must(200, "PATCH", "/api/v1/steps/"+account, owner.Access, rename); got["title"] != "Renamed" {
		t.Errorf("an admin changes any visible step: %v", got)
	}
	if r := s.Do("PATCH", "/api/v1/steps/"+private, owner.Access, rename); r.Status != http.StatusNotFound {
		t.Errorf("an admin changing a private step of someone else: %d", r.Status)
	}
	s.Must(200, "PATCH", "/api/v1/steps/"+private, olga.Access, map[string]any{"visibility": "account"})
	s.Must(200, "GET", "/api/v1/steps/"+private, oscar.Access, nil)
	wantProblem(t, s.Do("POST", "/api/v1/steps", otto.Access, map[string]any{"title": "x", "step_type": "instruction", "visibility": "team"}),
		http.StatusUnprocessableEntity, "body.team_id")
	s.Must(204, "DELETE", "/api/v1/steps/"+team, olga.Access, nil)
	if r := s.Do("GET", "/api/v1/steps/"+team, olga.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("a deleted step: %d", r.Status)
	}
	for action, want := range map[string]int{"library_step.create": 3, "library_step.update": 2, "library_step.delete": 1} {
		if n := s.auditCount(owner.TenantID, action); n != want {
			t.Errorf("%s: %d audit rows, want %d", action, n, want)
		}
	}
}

// testLibraryRatings: one rating per user and step, a second one replaces the first.
func testLibraryRatings(t *testing.T, s flowsAPI) {
	o := s.office("lr", "vera:viewer", "otto:operator")
	vera, otto := o.m("vera"), o.m("otto")
	step := s.libraryStep(o.owner, "Check the cable", "account", "")
	rate := func(a apitest.Account, n int) map[string]any {
		return s.Must(200, "PUT", "/api/v1/steps/"+step+"/rating", a.Access, map[string]any{"rating": n})
	}
	rate(vera, 4)
	if got := rate(vera, 2); got["rating_count"] != 1.0 || got["rating_average"] != 2.0 || got["my_rating"] != 2.0 {
		t.Errorf("after vera re-rated: %v", got)
	}
	if got := rate(otto, 5); got["rating_count"] != 2.0 || got["rating_average"] != 3.5 || got["my_rating"] != 5.0 {
		t.Errorf("after otto rated: %v", got)
	}
	if got := s.Must(200, "GET", "/api/v1/steps/"+step, vera.Access, nil); got["my_rating"] != 2.0 {
		t.Errorf("vera's own rating: %v", got["my_rating"])
	}
	wantProblem(t, s.Do("PUT", "/api/v1/steps/"+step+"/rating", otto.Access, map[string]any{"rating": 6}), http.StatusUnprocessableEntity, "body.rating")
	if n := s.Count(`SELECT count(*) FROM library_step_ratings WHERE tenant_id = $1`, o.owner.TenantID); n != 2 {
		t.Errorf("%d rating rows, want one per user", n)
	}
	if n := s.auditCount(o.owner.TenantID, "library_step.rate"); n != 3 {
		t.Errorf("%d ratings audited, want 3", n)
	}
}

// testLibraryCopyAndUsage: saving to one's library makes a private copy that remembers its
// source; copies and custom steps taken from a step count as its uses.
func testLibraryCopyAndUsage(t *testing.T, s flowsAPI) {
	o := s.office("lc", "olga:operator", "oscar:operator")
	olga, oscar := o.m("olga"), o.m("oscar")
	step := s.libraryStep(olga, "Flush DNS", "account", "")
	cp := s.Must(201, "POST", "/api/v1/steps/"+step+"/save-to-library", oscar.Access, nil)
	if cp["owner_id"] != oscar.UserID || cp["visibility"] != "private" || cp["saved_from_id"] != step || cp["title"] != "Flush DNS" ||
		cp["content"] != "Do Flush DNS" || cp["can_edit"] != true {
		t.Errorf("the copy: %v", cp)
	}
	if r := s.Do("GET", "/api/v1/steps/"+cp["id"].(string), olga.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("the source's owner reads the private copy: %d", r.Status)
	}
	flow := s.published(olga, "DNS", map[string]any{"visibility": "account"})
	session := s.session(oscar, flow)["id"].(string)
	got := s.Must(200, "POST", "/api/v1/sessions/"+session+"/custom-steps", oscar.Access, map[string]any{"library_step_id": step})
	custom := got["custom_steps"].([]any)[0].(map[string]any)
	if custom["source"] != "library" || custom["title"] != "Flush DNS" || custom["library_step_id"] != step {
		t.Errorf("the custom step from the library: %v", custom)
	}
	if got := s.Must(200, "GET", "/api/v1/steps/"+step, olga.Access, nil); got["usage_count"] != 2.0 {
		t.Errorf("usage count %v, want 2 (one copy, one custom step)", got["usage_count"])
	}
	private := s.libraryStep(olga, "Secret", "private", "")
	sameAsRandom(t, "saving a colleague's private step", s.Do("POST", "/api/v1/steps/"+private+"/save-to-library", oscar.Access, nil),
		s.Do("POST", "/api/v1/steps/"+uuid.NewString()+"/save-to-library", oscar.Access, nil))
	wantProblem(t, s.Do("POST", "/api/v1/sessions/"+session+"/custom-steps", oscar.Access, map[string]any{"library_step_id": private}),
		http.StatusUnprocessableEntity, "body.library_step_id")
}
