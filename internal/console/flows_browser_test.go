package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/browser"
)

// flowsCanary is put in every field the flows pages show: it must stay text.
const flowsCanary = `<script>window.__xss=1</script><img src=x onerror="window.__xss=1">`

// flowsSignIn signs a in through the sign-in page.
func flowsSignIn(t *testing.T, p *browser.Page, base string, a apitest.Account) {
	t.Helper()
	p.Go(base + "/sign-in")
	p.Fill(`input[name="email"]`, a.Email)
	p.Fill(`input[name="password"]`, a.Password)
	p.Click(`form button[type="submit"]`)
	p.WaitVisible("#sign-out")
}

// flowsInert fails t if a canary ran, a dialog opened, the console logged an error or the CSP
// refused something on the page.
func flowsInert(t *testing.T, p *browser.Page, where string) {
	t.Helper()
	var ran bool
	p.Eval(`window.__xss !== undefined`, &ran)
	if ran {
		t.Errorf("%s: a canary ran", where)
	}
	if d := p.Dialogs(); len(d) > 0 {
		t.Errorf("%s: dialogs %v", where, d)
	}
	if e := p.ConsoleErrors(); len(e) > 0 {
		t.Errorf("%s: console errors %v", where, e)
	}
	if v := p.CSPViolations(); len(v) > 0 {
		t.Errorf("%s: CSP violations %v", where, v)
	}
	if n := p.Count(`main script, main img`); n > 0 {
		t.Errorf("%s: %d script or img elements in the page", where, n)
	}
}

// TestBrowserFlows: a flow is written in the editor (a question with two answers leading to two
// resolutions), a problem is shown on the option it belongs to when saving and when publishing,
// fixed, published; the library finds it by search and by filter, its versions show it read-only,
// a session starts from it; canaries in the title, the question and an answer stay text
// everywhere; another tenant's member gets the not-found page; axe finds nothing serious.
func TestBrowserFlows(t *testing.T) {
	s := apitest.Start(t)
	ana, bob := s.Register("fana"), s.Register("fbob")
	cat := s.Must(http.StatusCreated, "POST", "/api/v1/flow-categories", ana.Access, map[string]any{"name": "Mail and calendars"})
	tag := s.Must(http.StatusCreated, "POST", "/api/v1/flow-tags", ana.Access, map[string]any{"name": "outlook"})
	s.Must(http.StatusCreated, "POST", "/api/v1/flows", ana.Access, map[string]any{"title": "Printer offline", "kind": "procedural"})

	b := browser.Start(t)
	p := b.NewPage(t)
	flowsSignIn(t, p, s.URL, ana)

	// The editor: a new flow starts as a question with two answers and two resolutions.
	flowsOpen(p, "/flows/new")
	p.WaitText("h1", "New flow")
	title := "Outlook will not start " + flowsCanary
	p.Fill(`.flow-meta input[name="title"]`, title)
	p.Fill(`.flow-meta textarea[name="description"]`, "For Office 365 "+flowsCanary)
	p.Select(`.flow-meta select[name="category_id"]`, cat["id"].(string))
	p.Click(`.tag-picker input[name="tag:` + tag["id"].(string) + `"]`)
	start := `li[data-node="start"] `
	p.Fill(start+`[data-gfield="nodes[0].title"] input`, "Does it start in safe mode? "+flowsCanary)
	p.Fill(start+`[data-gfield="nodes[0].body"] textarea`, "Run outlook.exe /safe "+flowsCanary)
	p.Fill(start+`[data-gfield="nodes[0].options[0].label"] input`, "Yes "+flowsCanary)
	p.Fill(start+`[data-gfield="nodes[0].options[1].label"] input`, "No")
	p.Select(start+`[data-gfield="nodes[0].options[1].next"] select`, "") // an answer leading nowhere
	if got := p.Text(".outline"); !strings.Contains(got, "no target yet") || !strings.Contains(got, "fixed — Resolved") {
		t.Errorf("outline before saving: %q", got)
	}
	p.Click("#save-flow")
	p.WaitText("h1", "Outlook will not start")
	flowURL := p.URL()
	u, err := url.Parse(flowURL)
	if err != nil || !strings.HasPrefix(u.Path, "/flows/") {
		t.Fatalf("after creating: %s", flowURL)
	}
	id := strings.TrimPrefix(u.Path, "/flows/")

	// The draft's problem is on the answer it belongs to, in the start node's card.
	optionNext := start + `[data-gfield="nodes[0].options[1].next"]`
	p.WaitText(optionNext+" .field-error", "needs a target node")
	if !p.Exists(`li[data-node="start"].has-problems`) || !p.Exists(optionNext+` select[aria-invalid="true"]`) {
		t.Error("the problem is not marked on the start node's answer")
	}
	// The node the answer no longer reaches has its own problem, on its card.
	p.WaitText(`li[data-node="escalate"] .node-errors`, "not reachable")
	p.WaitText(".graph-alert", "2 problems to fix before publishing")
	flowsInert(t, p, "editor")
	p.NoSeriousAxe(t)

	// Publishing refuses, with the problem on the node again; nothing is published.
	p.Click("#publish-flow")
	p.WaitText(".form-alert", "Not published")
	p.WaitText(optionNext+" .field-error", "needs a target node")
	p.Screenshot("flows-editor-problems")
	p.Click(`.graph-alert button.link`) // the summary's entry moves the focus to the control
	var focused string
	p.Eval(`document.activeElement.dataset.gpath || document.activeElement.tagName`, &focused)
	if focused != "nodes[0].options[1].next" {
		t.Errorf("the summary's entry focused %q, not the answer's target", focused)
	}
	if f := s.Must(http.StatusOK, "GET", "/api/v1/flows/"+id, ana.Access, nil); f["current_version"] != nil {
		t.Errorf("published despite the problem: %v", f["current_version"])
	}

	// Fixed: the answer leads to the escalation; publishing opens version 1.
	p.Select(optionNext+" select", "escalate")
	p.Click("#save-flow")
	p.WaitText(".save-status", "Draft saved")
	if p.Exists(".field-error") {
		t.Errorf("problems still shown after the fix: %q", p.Text(".field-error"))
	}
	p.Screenshot("flows-editor")
	p.Click("#publish-flow")
	p.WaitText("h1", "version 1")
	p.WaitText("main", "Does it start in safe mode? "+flowsCanary)
	p.WaitText(".outline", "“No” → escalate — Escalate")
	flowsInert(t, p, "version view")
	p.NoSeriousAxe(t)
	p.Screenshot("flows-version")
	f := s.Must(http.StatusOK, "GET", "/api/v1/flows/"+id, ana.Access, nil)
	if f["current_version"] != float64(1) || f["category"].(map[string]any)["id"] != cat["id"] || len(f["tags"].([]any)) != 1 ||
		f["tags"].([]any)[0].(map[string]any)["id"] != tag["id"] {
		t.Errorf("the flow after publishing: %v", f)
	}
	v := s.Must(http.StatusOK, "GET", "/api/v1/flows/"+id+"/versions/1", ana.Access, nil)
	nodes := v["graph"].(map[string]any)["nodes"].([]any)
	if len(nodes) != 3 || nodes[0].(map[string]any)["options"].([]any)[0].(map[string]any)["label"] != "Yes "+flowsCanary {
		t.Errorf("the published graph: %v", v["graph"])
	}

	// The versions list.
	flowsOpen(p, "/flows/"+id+"/versions")
	p.WaitText("table.list", "Version 1")
	p.WaitText("h1", title)
	flowsInert(t, p, "versions")
	p.NoSeriousAxe(t)
	p.Screenshot("flows-versions")

	// The library: all flows, then by search, by tag and category, and a filter that excludes it.
	flowsOpen(p, "/flows")
	p.WaitText("table.list", "Printer offline")
	p.WaitText("table.list", title)
	p.Fill(`.filters input[name="q"]`, "outlook")
	p.Click(`.filters button[type="submit"]`)
	p.WaitText("caption", "matching")
	p.WaitText("table.list", title)
	if p.Count("table.list tbody tr") != 1 {
		t.Errorf("search outlook: %d rows", p.Count("table.list tbody tr"))
	}
	flowsOpen(p, "/flows")
	p.Select(`.filters select[name="tag"]`, tag["id"].(string))
	p.Select(`.filters select[name="category"]`, cat["id"].(string))
	p.Click(`.filters button[type="submit"]`)
	p.WaitText("caption", "matching")
	p.WaitText("table.list", "Published v1")
	if p.Count("table.list tbody tr") != 1 || !strings.Contains(p.URL(), "tag="+tag["id"].(string)) {
		t.Errorf("filter by tag and category: %d rows at %s", p.Count("table.list tbody tr"), p.URL())
	}
	flowsInert(t, p, "library")
	p.NoSeriousAxe(t)
	p.Screenshot("flows-library")
	p.Select(`.filters select[name="kind"]`, "maintenance")
	p.Click(`.filters button[type="submit"]`)
	p.WaitText(".list-status", "No flow matches")

	// Categories and tags: the tenant's own next to the global ones; an admin adds one.
	flowsOpen(p, "/flow-catalogue")
	p.WaitText("main", "Mail and calendars")
	p.Fill(`form[aria-label="New category"] input[name="name"]`, "Printers "+flowsCanary)
	p.Click(`form[aria-label="New category"] button[type="submit"]`)
	p.WaitText("main table.list", "Printers "+flowsCanary)
	p.Fill(`form[aria-label="New tag"] input[name="name"]`, "outlook")
	p.Click(`form[aria-label="New tag"] button[type="submit"]`)
	p.WaitText(`form[aria-label="New tag"] .form-alert`, "already exists")
	flowsInert(t, p, "categories and tags")
	p.NoSeriousAxe(t)
	if s.Count(`SELECT count(*) FROM flow_categories WHERE name LIKE 'Printers %'`) != 1 {
		t.Error("the category added on the page is not in the database")
	}

	// A session starts from the library's button and opens the runner's page.
	flowsOpen(p, "/flows?q=outlook")
	p.Click("table.list .start-session")
	browserWaitURL(t, p, "/sessions/")
	list := s.Must(http.StatusOK, "GET", "/api/v1/sessions", ana.Access, nil)
	if items := list["items"].([]any); len(items) != 1 || !strings.HasSuffix(p.URL(), items[0].(map[string]any)["id"].(string)) {
		t.Errorf("sessions after starting: %v, page at %s", list, p.URL())
	}

	// Another tenant's member reaches nothing of the flow by its URLs.
	// The first by opening the address in a fresh browser: the sign-in page, then the flow's.
	other := b.NewPage(t)
	other.Go(s.URL + "/flows/" + id)
	other.Fill(`input[name="email"]`, bob.Email)
	other.Fill(`input[name="password"]`, bob.Password)
	other.Click(`form button[type="submit"]`)
	other.WaitVisible("#sign-out")
	for i, path := range []string{"/flows/" + id, "/flows/" + id + "/versions", "/flows/" + id + "/versions/1"} {
		if i > 0 {
			flowsOpen(other, path)
		}
		other.WaitText("h1", "not found")
		if !strings.HasSuffix(other.URL(), path) {
			t.Errorf("tenant B is at %s, not %s", other.URL(), path)
		}
		if body := other.Text("main"); strings.Contains(body, "Outlook") || strings.Contains(body, "safe mode") {
			t.Errorf("%s shows tenant A's flow to tenant B: %q", path, body)
		}
	}
	flowsOpen(other, "/flows")
	other.WaitText(".list-status", "No flows yet")
	flowsInert(t, other, "tenant B")

	// A viewer of tenant A reads the flow but has nothing to change it with, nor to start a session.
	viewer := s.AddMember(s.Mailer(), ana, "fvic", "viewer")
	vp := b.NewPage(t)
	flowsSignIn(t, vp, s.URL, viewer)
	flowsOpen(vp, "/flows")
	vp.WaitText("table.list", title)
	if vp.Exists(".start-session") || vp.Exists(`a[href="/flows/new"]`) {
		t.Error("a viewer is offered to start a session or write a flow")
	}
	flowsOpen(vp, "/flows/"+id)
	vp.WaitText("main", "You can read this flow but not change it")
	var editable int
	vp.Eval(`[...document.querySelectorAll(".flow-editor input, .flow-editor select, .flow-editor textarea, .flow-editor button")].filter((e) => !e.disabled).length`, &editable)
	if editable != 0 || vp.Exists("#save-flow") || vp.Exists("#publish-flow") {
		t.Errorf("a viewer's editor has %d enabled controls", editable)
	}
	flowsInert(t, vp, "viewer")
}

// flowsOpen goes to a console path the way its links do (the page keeps its session in memory).
func flowsOpen(p *browser.Page, path string) {
	p.Eval(`history.pushState(null, "", `+strconv.Quote(path)+`), dispatchEvent(new PopStateEvent("popstate")), true`, nil)
}

// browserWaitURL waits for the page's address to contain part.
func browserWaitURL(t *testing.T, p *browser.Page, part string) {
	t.Helper()
	apitest.WaitFor(t, "the address "+part, func() bool { return strings.Contains(p.URL(), part) })
}
