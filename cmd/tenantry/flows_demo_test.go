package main

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/products/flows/demo"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// shareLink finds the share link, in its console form (<base>/s/<token>), in the demo's output.
var shareLink = regexp.MustCompile(`share: +http://\S+/s/(\S+)`)

// consoleHeader is what the demo prints first: the console's URL and the demo credentials.
var consoleHeader = regexp.MustCompile(`^\nConsole: http://\S+/\n  parking: demo@example\.com / demo parking password .*\n` +
	`  flows: +flows-demo@example\.com / demo flows password .*\n  share: +http://\S+/s/tnr_shr_\S+\n`)

// TestFlowsDemo runs the demo's seeding twice, as `make demo` does on an existing data directory:
// the flows tenant has the three demo flows, published, once; one completed session; and the link
// printed by the second run opens anonymously on that session, while the first run's is revoked.
func TestFlowsDemo(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	links := make([]string, 2)
	for i := range links {
		var out bytes.Buffer
		runDemo(t.Context(), s.URL, mailedTo(s), &out, false, 0)
		m := shareLink.FindStringSubmatch(out.String())
		if m == nil || strings.Contains(out.String(), "demo:") {
			t.Fatalf("run %d printed no share link, or an error:\n%s", i+1, out.String())
		}
		if !consoleHeader.MatchString(out.String()) {
			t.Errorf("run %d does not open with the console URL and the demo credentials:\n%s", i+1, out.String())
		}
		links[i] = "/api/v1/share/" + m[1]
	}
	for what, n := range map[string]int{
		`SELECT count(*) FROM flows f JOIN tenants t ON t.id = f.tenant_id WHERE t.slug = 'demo-flows' AND f.current_version = 1`: 3,
		`SELECT count(*) FROM flows`:         3,
		`SELECT count(*) FROM flow_versions`: 3,
		`SELECT count(*) FROM flow_sessions`: 1,
		`SELECT count(*) FROM flow_session_shares WHERE revoked_at IS NULL AND visibility = 'public'`: 1,
	} {
		if got := s.Count(what); got != n {
			t.Errorf("%s: %d, want %d", what, got, n)
		}
	}
	checkDemoFlows(t, s)
	checkDemoShare(t, s, links[1])
	if r := s.Do("GET", links[0], "", nil); r.Status != http.StatusNotFound {
		t.Errorf("the first run's link, revoked by the second: %d %s", r.Status, r.Body)
	}
}

// checkDemoFlows signs in as the demo technician and lists the flows: the three demo flows,
// visible to the tenant and published.
func checkDemoFlows(t *testing.T, s *apitest.Server) {
	t.Helper()
	login := s.Must(http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]any{"email": flowsDemo.email,
		"password": flowsDemo.password, "tenant": flowsDemo.slug})
	token, _ := login["access_token"].(string)
	items, _ := s.Must(http.StatusOK, "GET", "/api/v1/flows?limit=100", token, nil)["items"].([]any)
	want, err := demo.Flows()
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range items {
		f := it.(map[string]any)
		titles = append(titles, f["title"].(string))
		if f["current_version"] != 1.0 || f["visibility"] != "account" || f["category"] == nil {
			t.Errorf("flow %v: want version 1, visible to the tenant, in a category", f)
		}
	}
	for _, f := range want {
		if !slices.Contains(titles, f.Title) {
			t.Errorf("flow %q is not listed: %v", f.Title, titles)
		}
	}
}

// checkDemoShare opens the share link without credentials: the completed demo session, with its
// ticket, notes and custom step, and nothing private.
func checkDemoShare(t *testing.T, s *apitest.Server, link string) {
	t.Helper()
	r := s.Do("GET", link, "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s anonymously: %d %s", link, r.Status, r.Body)
	}
	v := r.JSON(t)
	want := demo.DemoSession()
	if v["status"] != "completed" || v["outcome"] != string(want.Outcome) || v["title"] != want.Flow ||
		v["ticket_number"] != want.TicketNumber || v["client_name"] != want.ClientName {
		t.Errorf("shared session: status %v, outcome %v, title %v, ticket %v, client %v", v["status"], v["outcome"], v["title"],
			v["ticket_number"], v["client_name"])
	}
	decisions, _ := v["decisions"].([]any)
	custom, _ := v["custom_steps"].([]any)
	if len(decisions) != len(want.Steps) || len(custom) != 1 || !strings.Contains(string(r.Body), want.Steps[0].Note) {
		t.Errorf("shared session: %d decisions (want %d), %d custom steps (want 1), notes shown: %v", len(decisions),
			len(want.Steps), len(custom), strings.Contains(string(r.Body), want.Steps[0].Note))
	}
	for _, private := range []string{"variables", "scratchpad", "owner_id"} {
		if _, ok := v[private]; ok {
			t.Errorf("the shared session shows %s", private)
		}
	}
}
