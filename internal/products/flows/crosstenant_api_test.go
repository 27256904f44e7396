package flows_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAPISeedCrossTenantList is the seed's list of cross-tenant tests (shared/seeds/000_*.txt),
// through HTTP as the application role: flows get and update 404 across tenants; a session 404
// across users; a share's revocation 404 for anyone but its creator; steps, tags and categories
// 404 for another tenant's; 403 for a flow that is visible but not editable inside a tenant;
// analytics 404 across tenants. Every 404 is compared byte for byte (status, headers, body) with
// the same request for a random id; afterwards A's objects and audit log are unchanged.
func TestAPISeedCrossTenantList(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	a := s.office("seed-a", "olga:operator", "otto:operator")
	olga, otto := a.m("olga"), a.m("otto")
	b := s.Register("seed-b")
	flow := s.published(olga, "Outlook", map[string]any{"visibility": "account"})
	session := s.session(olga, flow)["id"].(string)
	share := s.share(olga, session, "account")["id"].(string)
	step := s.libraryStep(olga, "Restart the spooler", "account", "")
	tag := s.Must(201, "POST", "/api/v1/flow-tags", a.owner.Access, map[string]any{"name": "seed-tag"})["id"].(string)
	category := s.Must(201, "POST", "/api/v1/flow-categories", a.owner.Access, map[string]any{"name": "Seed category"})["id"].(string)
	auditBefore := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1`, a.owner.TenantID)
	sessionBefore := s.Do("GET", "/api/v1/sessions/"+session, olga.Access, nil)

	graph := map[string]any{"graph": simpleGraph("pwned")}
	cases := []struct {
		item         string // the seed's wording
		who          apitest.Account
		method, path string // %s: the object's id
		body         any
		id           string
		status       int // 404: the same answer as a random id; 403: the edit rule's refusal
	}{
		{"flows get 404 across tenants", b, "GET", "/api/v1/flows/%s", nil, flow, 404},
		{"flows get 404 across tenants", b, "GET", "/api/v1/flows/%s/draft", nil, flow, 404},
		{"flows get 404 across tenants", b, "GET", "/api/v1/flows/%s/versions", nil, flow, 404},
		{"flows get 404 across tenants", b, "GET", "/api/v1/flows/%s/versions/1", nil, flow, 404},
		{"flows get 404 across tenants", b, "POST", "/api/v1/flows/%s/fork", map[string]any{}, flow, 404},
		{"flows update 404 across tenants", b, "PATCH", "/api/v1/flows/%s", map[string]any{"title": "pwned"}, flow, 404},
		{"flows update 404 across tenants", b, "PATCH", "/api/v1/flows/%s/visibility", map[string]any{"visibility": "private"}, flow, 404},
		{"flows update 404 across tenants", b, "PUT", "/api/v1/flows/%s/draft", graph, flow, 404},
		{"flows update 404 across tenants", b, "POST", "/api/v1/flows/%s/publish", nil, flow, 404},
		{"flows update 404 across tenants", b, "DELETE", "/api/v1/flows/%s", nil, flow, 404},
		{"session 404 across users", otto, "GET", "/api/v1/sessions/%s", nil, session, 404},
		{"session 404 across users", a.owner, "GET", "/api/v1/sessions/%s", nil, session, 404},
		{"session 404 across users", otto, "PATCH", "/api/v1/sessions/%s", map[string]any{"ticket_number": "pwned"}, session, 404},
		{"session 404 across users", otto, "POST", "/api/v1/sessions/%s/decisions", map[string]any{"option_id": "yes"}, session, 404},
		{"session 404 across users", otto, "POST", "/api/v1/sessions/%s/back", nil, session, 404},
		{"session 404 across users", otto, "PUT", "/api/v1/sessions/%s/scratchpad", map[string]any{"text": "pwned"}, session, 404},
		{"session 404 across users", otto, "PATCH", "/api/v1/sessions/%s/variables", map[string]any{"values": map[string]any{}}, session, 404},
		{"session 404 across users", otto, "POST", "/api/v1/sessions/%s/custom-steps", map[string]any{"title": "pwned"}, session, 404},
		{"session 404 across users", otto, "POST", "/api/v1/sessions/%s/complete", map[string]any{"outcome": "resolved"}, session, 404},
		{"session 404 across users", otto, "POST", "/api/v1/sessions/%s/abandon", nil, session, 404},
		{"session 404 across users", otto, "GET", "/api/v1/sessions/%s/export?format=md", nil, session, 404},
		{"session 404 across users", otto, "POST", "/api/v1/sessions/%s/shares", map[string]any{"visibility": "account"}, session, 404},
		{"session 404 across users", b, "GET", "/api/v1/sessions/%s", nil, session, 404},
		{"session 404 across users", b, "POST", "/api/v1/sessions/%s/shares", map[string]any{"visibility": "account"}, session, 404},
		{"share revoke 404 for non-creators", otto, "DELETE", "/api/v1/shares/%s", nil, share, 404},
		{"share revoke 404 for non-creators", a.owner, "DELETE", "/api/v1/shares/%s", nil, share, 404},
		{"share revoke 404 for non-creators", b, "DELETE", "/api/v1/shares/%s", nil, share, 404},
		{"steps 404 for another tenant's", b, "GET", "/api/v1/steps/%s", nil, step, 404},
		{"steps 404 for another tenant's", b, "PATCH", "/api/v1/steps/%s", map[string]any{"title": "pwned"}, step, 404},
		{"steps 404 for another tenant's", b, "DELETE", "/api/v1/steps/%s", nil, step, 404},
		{"steps 404 for another tenant's", b, "POST", "/api/v1/steps/%s/save-to-library", nil, step, 404},
		{"steps 404 for another tenant's", b, "PUT", "/api/v1/steps/%s/rating", map[string]any{"rating": 1}, step, 404},
		{"tags 404 for another tenant's", b, "GET", "/api/v1/flow-tags/%s", nil, tag, 404},
		{"tags 404 for another tenant's", b, "PATCH", "/api/v1/flow-tags/%s", map[string]any{"name": "pwned"}, tag, 404},
		{"tags 404 for another tenant's", b, "DELETE", "/api/v1/flow-tags/%s", nil, tag, 404},
		{"categories 404 for another tenant's", b, "GET", "/api/v1/flow-categories/%s", nil, category, 404},
		{"categories 404 for another tenant's", b, "PATCH", "/api/v1/flow-categories/%s", map[string]any{"name": "pwned"}, category, 404},
		{"categories 404 for another tenant's", b, "DELETE", "/api/v1/flow-categories/%s", nil, category, 404},
		{"visible-but-not-editable 403 inside a tenant", otto, "PATCH", "/api/v1/flows/%s", map[string]any{"title": "pwned"}, flow, 403},
		{"visible-but-not-editable 403 inside a tenant", otto, "PATCH", "/api/v1/flows/%s/visibility", map[string]any{"visibility": "account"}, flow, 403},
		{"visible-but-not-editable 403 inside a tenant", otto, "PUT", "/api/v1/flows/%s/draft", graph, flow, 403},
		{"visible-but-not-editable 403 inside a tenant", otto, "POST", "/api/v1/flows/%s/publish", nil, flow, 403},
		{"visible-but-not-editable 403 inside a tenant", otto, "DELETE", "/api/v1/flows/%s", nil, flow, 403},
		{"analytics 404 across tenants", b, "GET", "/api/v1/analytics/flows/%s", nil, flow, 404},
	}
	for _, c := range cases {
		theirs := s.Do(c.method, strings.Replace(c.path, "%s", c.id, 1), c.who.Access, c.body)
		what := c.item + ": " + c.who.Email + " " + c.method + " " + c.path
		if c.status == http.StatusNotFound {
			sameAsRandom(t, what, theirs, s.Do(c.method, strings.Replace(c.path, "%s", uuid.NewString(), 1), c.who.Access, c.body))
			continue
		}
		if p := wantProblem(t, theirs, c.status, ""); p != nil && p["detail"] != "you can see this flow but may not change it" {
			t.Errorf("%s: %v", what, p["detail"])
		}
	}

	if after := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1`, a.owner.TenantID); after != auditBefore {
		t.Errorf("the refused requests wrote %d audit rows in A", after-auditBefore)
	}
	if after := s.Do("GET", "/api/v1/sessions/"+session, olga.Access, nil); string(after.Body) != string(sessionBefore.Body) {
		t.Errorf("olga's session changed:\n%s\n%s", sessionBefore.Body, after.Body)
	}
	unchanged := []struct {
		path, field, want string
	}{
		{"/api/v1/flows/" + flow, "title", "Outlook"}, {"/api/v1/steps/" + step, "title", "Restart the spooler"},
		{"/api/v1/flow-tags/" + tag, "name", "seed-tag"}, {"/api/v1/flow-categories/" + category, "name", "Seed category"},
		{"/api/v1/flows/" + flow + "/versions/1", "version", "1"},
	}
	for _, u := range unchanged {
		if got := s.Must(200, "GET", u.path, olga.Access, nil); fmt.Sprint(got[u.field]) != u.want {
			t.Errorf("%s: %s is %v", u.path, u.field, got[u.field])
		}
	}
	if got := field(items(s.Must(200, "GET", "/api/v1/shares/mine", olga.Access, nil)), "id"); len(got) != 1 || got[0] != share {
		t.Errorf("olga's shares: %v", got)
	}
	if n := s.Count(`SELECT count(*) FROM flow_versions WHERE flow_id = $1`, flow); n != 1 {
		t.Errorf("%d versions of A's flow", n)
	}
}
