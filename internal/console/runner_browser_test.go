package console_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/browser"
)

// The canaries put into every field the runner and the share page show: neither may run.
const (
	canaryScript = `<script>window.__xss=1</script>`
	canaryImg    = `<img src=x onerror="window.__xss=1">`
)

// runnerGraph is the flow the runner tests walk: a question, an instruction with a command, an
// input node, a second question, an instruction and two resolutions.
func runnerGraph() map[string]any {
	type m = map[string]any
	return m{"nodes": []any{
		m{"id": "start", "type": "question", "title": "Does Outlook start?", "start": true, "body": "Ask the user to open Outlook.",
			"options": []any{m{"id": "yes", "label": "Yes", "next": "done"}, m{"id": "no", "label": "No", "next": "safe"}}},
		m{"id": "safe", "type": "instruction", "title": "Restart in safe mode", "command": "outlook.exe /safe", "next": "host"},
		m{"id": "host", "type": "input", "title": "Which computer?", "next": "addin",
			"fields": []any{m{"name": "hostname", "label": "Host name", "type": "string"}}},
		m{"id": "addin", "type": "question", "title": "Did removing the add-in help?",
			"options": []any{m{"id": "yes", "label": "Yes, it starts", "next": "verify"}, m{"id": "no", "label": "No", "next": "escalate"}}},
		m{"id": "verify", "type": "instruction", "title": "Send a test mail", "next": "done"},
		m{"id": "done", "type": "resolution", "title": "Fixed", "outcome": "resolved"},
		m{"id": "escalate", "type": "resolution", "title": "Escalate to second line", "outcome": "escalated"},
	}}
}

// publishedFlow creates and publishes the runner's flow in a's tenant and returns its id.
func publishedFlow(s *apitest.Server, a apitest.Account, title string) string {
	s.T.Helper()
	id := s.Must(201, "POST", "/api/v1/flows", a.Access, map[string]any{
		"kind": "troubleshooting", "title": title, "visibility": "account", "graph": runnerGraph(),
	})["id"].(string)
	s.Must(201, "POST", "/api/v1/flows/"+id+"/publish", a.Access, nil)
	return id
}

// signIn signs in through the sign-in page, asking for the page next.
func signIn(t *testing.T, p *browser.Page, base string, a apitest.Account, next string) {
	t.Helper()
	p.Go(base + "/sign-in?next=" + next)
	p.Fill("input[name=email]", a.Email)
	p.Fill("input[name=password]", a.Password)
	p.Press("Enter")
	p.WaitGone("input[name=password]")
}

// spaGo moves a signed-in page to path inside the console (no reload, so the session stays).
func spaGo(p *browser.Page, path string) {
	p.Eval(`(() => { history.pushState(null, "", `+jsString(path)+`); dispatchEvent(new PopStateEvent("popstate")); return true; })()`, nil)
}

// focused fails unless the focused element's description contains want.
func focused(t *testing.T, p *browser.Page, want string) {
	t.Helper()
	if got := p.Focused(); !strings.Contains(got, want) {
		t.Fatalf("focus: want %q, got %q", want, got)
	}
}

// TestBrowserRunner runs a session to completion with the keyboard, with notes, variables and
// custom steps holding canaries, exports and shares it, and opens the share link in a fresh
// browser context; then the share page's refusals (401, 403, 404, 410) and another tenant's view
// of the session's address.
func TestBrowserRunner(t *testing.T) {
	s := apitest.Start(t)
	a := s.Register("runa")
	b := s.Register("runb")
	const title = "Outlook does not start"
	flow := publishedFlow(s, a, title)
	s.Must(200, "PATCH", "/api/v1/flows/settings", a.Access, map[string]any{"allow_public_shares": true})
	br := browser.Start(t)

	// The sessions page: start a session on the flow.
	p := br.NewPage(t)
	signIn(t, p, s.URL, a, "/sessions")
	p.WaitText("h1", "Sessions")
	p.WaitText("#start-flow", title)
	p.NoSeriousAxe(t)
	p.Select("#start-flow", flow)
	p.Fill("input[name=ticket_number]", "T-1042")
	p.Fill("input[name=client_name]", "Harbour Dental")
	p.Click(".start-form button[type=submit]")
	p.WaitText("#node-title", "Does Outlook start?")
	sid := p.URL()[strings.LastIndex(p.URL(), "/")+1:]
	// A link that expires while the session is run, for the 410 page below.
	expires := time.Now().Add(2 * time.Second)
	expiring := s.Must(201, "POST", "/api/v1/sessions/"+sid+"/shares", a.Access, map[string]any{
		"visibility": "public", "expires_at": expires.UTC().Format(time.RFC3339Nano)})["token"].(string)

	// Keyboard only: the heading has the focus, Tab reaches the options, Enter takes one.
	focused(t, p, `h2#node-title "Does Outlook start?"`)
	p.Press("Tab")
	focused(t, p, `button.option "1Yes"`)
	p.Press("Tab")
	focused(t, p, `button.option "2No"`)
	p.Press("Enter")
	p.WaitText("#node-title", "Restart in safe mode")
	focused(t, p, `h2#node-title "Restart in safe mode"`)
	p.WaitText("#runner-live", "Restart in safe mode")
	// A number key chooses an option when the focus is not in a text field.
	p.Press("1")
	p.WaitText("#node-title", "Which computer?")
	focused(t, p, `h2#node-title "Which computer?"`)
	// At the input node: the value is typed in its field (where "1" is text, not a choice); Space
	// on Continue saves it and moves on.
	p.Press("Tab")
	focused(t, p, "input")
	p.Fill("form.runner-input input", "PC-004")
	p.Press("1")
	if got := p.Text("#node-title"); got != "Which computer?" || !strings.HasSuffix(p.Focused(), `1"`) {
		t.Fatalf("typing a digit in a field moved the session to %q", got)
	}
	p.Press("Tab")
	focused(t, p, `"Save the answers"`)
	p.Press("Tab")
	focused(t, p, `button.option "1Continue"`)
	p.Press("Space")
	p.WaitText("#node-title", "Did removing the add-in help?")
	focused(t, p, `h2#node-title "Did removing the add-in help?"`)
	p.Screenshot("runner-session.png")

	// A note on the decision (canaries), then Shift+Tab back to the first option and Enter.
	p.Fill("textarea[name=note]", "Removed the PDF add-in "+canaryImg)
	p.Press("Shift+Tab")
	p.Press("Shift+Tab")
	focused(t, p, `button.option "1Yes, it starts"`)
	p.Press("Enter")
	p.WaitText("#node-title", "Send a test mail")
	p.WaitText(".trail", "Removed the PDF add-in "+canaryImg)

	// Notes, a variable and custom steps (added, edited, one deleted), with canaries.
	p.Fill("#runner-notes", "SCRATCH-MARK call back after 3 pm "+canaryScript)
	p.Click("form[aria-label=Notes] button[type=submit]")
	p.WaitText("#toast", "Notes saved")
	p.Fill("form[aria-label=Variables] input[name=var-hostname]", "pc-7 "+canaryImg)
	p.Click("form[aria-label=Variables] button[type=submit]")
	p.WaitText("#toast", "Variables saved")
	p.Click(".add-step summary")
	p.Fill("form[aria-label='Add a custom step'] input[name=title]", "Cleared the cache "+canaryScript)
	p.Fill("form[aria-label='Add a custom step'] textarea[name=content]", "Deleted %LOCALAPPDATA% "+canaryImg)
	p.Click("form[aria-label='Add a custom step'] button[type=submit]")
	p.WaitText(".custom-steps", "Cleared the cache "+canaryScript)
	p.Click(".add-step summary")
	p.Fill("form[aria-label='Add a custom step'] input[name=title]", "A step to delete")
	p.Click("form[aria-label='Add a custom step'] button[type=submit]")
	p.WaitText(".custom-steps", "A step to delete")
	p.Click(".custom-steps li:first-child button.link")
	p.Fill(".custom-steps li:first-child input[name=result]", "Outlook starts "+canaryImg)
	p.Click(".custom-steps li:first-child button[type=submit]")
	p.WaitText(".custom-steps li:first-child", "Outlook starts "+canaryImg)
	p.Click(".custom-steps li:last-child button.danger")
	p.Click(".custom-steps li:last-child button.danger") // the confirmation
	p.WaitGone(".custom-steps li:nth-child(2)")

	// Back once: to the question, the heading focused.
	p.Click("#runner-back")
	p.WaitText("#node-title", "Did removing the add-in help?")
	focused(t, p, `h2#node-title "Did removing the add-in help?"`)
	p.WaitText("#runner-live", "Did removing the add-in help?")
	if p.Exists(".trail-note") {
		t.Error("the undone decision's note is still in the steps taken")
	}
	p.NoSeriousAxe(t)
	p.Screenshot("runner-details.png")
	noCanaryRan(t, p, "runner")
	p.Fill("textarea[name=note]", "Second try "+canaryScript)
	p.Press("Shift+Tab")
	p.Press("Shift+Tab")
	p.Press("Enter")
	p.WaitText("#node-title", "Send a test mail")
	p.WaitText(".trail", "Second try "+canaryScript)

	// Complete with an outcome: the survey token is shown.
	p.Select("form[aria-label='Complete the session'] select[name=outcome]", "resolved")
	p.Click("form[aria-label='Complete the session'] button[type=submit]")
	p.WaitVisible("#csat")
	if tok := p.Text("#csat-token"); !strings.HasPrefix(tok, "tnr_csat_") {
		t.Errorf("survey token %q", tok)
	}
	p.WaitText(".runner-meta", "completed")
	got := s.Must(200, "GET", "/api/v1/sessions/"+sid, a.Access, nil)
	if got["status"] != "completed" || got["outcome"] != "resolved" || !strings.Contains(got["scratchpad"].(string), "SCRATCH-MARK") {
		t.Errorf("the session after completing: %v %v %v", got["status"], got["outcome"], got["scratchpad"])
	}
	if v := got["variables"].(map[string]any)["hostname"]; v != "pc-7 "+canaryImg {
		t.Errorf("variable hostname = %v", v)
	}
	if cs := got["custom_steps"].([]any); len(cs) != 1 || cs[0].(map[string]any)["result"] != "Outlook starts "+canaryImg {
		t.Errorf("custom steps %v", cs)
	}
	if ds := got["decisions"].([]any); len(ds) != 4 {
		t.Errorf("want 4 decisions, got %v", ds)
	}
	p.NoSeriousAxe(t)
	p.Screenshot("runner-completed.png")

	// Export: the download names the flow.
	p.DownloadTo(t.TempDir())
	p.Click("#export")
	file, err := os.ReadFile(p.WaitDownload())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(file), title) {
		t.Errorf("the export does not name the flow: %.300s", file)
	}

	// Share publicly, copy the link and open it in a fresh context without a login.
	p.Select("form[aria-label=Share] select[name=visibility]", "public")
	p.Fill("form[aria-label=Share] input[name=name]", "For Harbour Dental")
	p.Click("form[aria-label=Share] button[type=submit]")
	p.WaitVisible(".share-url")
	p.Click("#share-link button.copy")
	p.WaitText("#toast", "Copied")
	link := p.Clipboard()
	if !strings.Contains(link, "/s/tnr_shr_") {
		t.Fatalf("copied link %q", link)
	}
	p.WaitText(".share-list", "For Harbour Dental")
	noCanaryRan(t, p, "runner after sharing")
	spaGo(p, "/sessions")
	p.WaitText("table.list", "T-1042")
	p.Eval(`(document.getElementById("toast").replaceChildren(), true)`, nil)
	p.NoSeriousAxe(t)
	p.Screenshot("runner-sessions.png")

	q := br.NewPage(t)
	q.Go(link)
	q.WaitText("h1", title)
	view := q.Text(".share-view")
	for _, want := range []string{"Does Outlook start?", "Second try " + canaryScript, "Cleared the cache " + canaryScript,
		"Outlook starts " + canaryImg, "resolved", "T-1042", "Harbour Dental"} {
		if !strings.Contains(view, want) {
			t.Errorf("the share page lacks %q: %s", want, view)
		}
	}
	if strings.Contains(view, "SCRATCH-MARK") || strings.Contains(view, "Removed the PDF add-in") {
		t.Error("the share page shows the private notes or an undone decision")
	}
	q.NoSeriousAxe(t)
	q.Screenshot("share-view.png")
	noCanaryRan(t, q, "share page")

	// Revoked from the runner's list of links: the link no longer opens.
	spaGo(p, "/sessions/"+sid)
	p.WaitText(".shares li:first-child", "For Harbour Dental")
	p.Click(".shares li:first-child button.danger")
	p.Click(".shares li:first-child button.danger") // the confirmation
	p.WaitText("#toast", "revoked")
	q.Go(link)
	q.WaitText("h1", "This link does not work")

	// An account-only link opened signed out: the sign-in page, which comes back to the link.
	acct := s.Must(201, "POST", "/api/v1/sessions/"+sid+"/shares", a.Access, map[string]any{"visibility": "account"})["token"].(string)
	r := br.NewPage(t)
	r.Go(s.URL + "/s/" + acct)
	r.WaitText("h1", "Sign in to see this session")
	r.NoSeriousAxe(t)
	r.Screenshot("share-401.png")
	r.Click("#share-sign-in")
	r.WaitText("h1", "Sign in")
	if u := r.URL(); !strings.Contains(u, "next=%2Fs%2F"+acct) {
		t.Errorf("the sign-in link is %s", u)
	}
	r.Fill("input[name=email]", a.Email)
	r.Fill("input[name=password]", a.Password)
	r.Press("Enter")
	r.WaitText("h1", title)
	noCanaryRan(t, r, "account share")

	// Unknown, revoked and expired links.
	u := br.NewPage(t)
	u.Go(s.URL + "/s/tnr_shr_madeup0000000000000000000000")
	u.WaitText("h1", "This link does not work")
	u.NoSeriousAxe(t)
	u.Screenshot("share-404.png")
	time.Sleep(time.Until(expires) + 100*time.Millisecond) // long past, unless the machine is very fast
	u.Go(s.URL + "/s/" + expiring)
	u.WaitText("h1", "This link has expired")
	u.NoSeriousAxe(t)
	u.Screenshot("share-410.png")
	noCanaryRan(t, u, "refused links")

	// Tenant B: A's session is not found; A's account-only link is refused with a page.
	pb := br.NewPage(t)
	signIn(t, pb, s.URL, b, "/sessions/"+sid)
	pb.WaitText("h1", "Session not found")
	if strings.Contains(pb.Text("main"), title) {
		t.Error("tenant B sees the flow's title")
	}
	spaGo(pb, "/s/"+acct)
	pb.WaitText("h1", "You cannot open this link")
	pb.NoSeriousAxe(t)
	pb.Screenshot("share-403.png")
	noCanaryRan(t, pb, "tenant B")
}
