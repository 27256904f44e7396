package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/browser"
)

// platformServer is the service with its background workers (the development mail sender writes
// the invitation mails to files) and no rate limits (the tests sign in many times from one address).
func platformServer(t *testing.T) *apitest.Server {
	t.Helper()
	return apitest.StartWith(t, apitest.Options{Background: true, Unlimited: true})
}

// platformSignIn signs in through the sign-in page and waits for the start page of the tenant.
func platformSignIn(t *testing.T, p *browser.Page, s *apitest.Server, email, password, tenantName string) {
	t.Helper()
	p.Go(s.URL + "/sign-in")
	p.WaitVisible(`input[name="email"]`)
	p.Fill(`input[name="email"]`, email)
	p.Fill(`input[name="password"]`, password)
	p.Click(`form[aria-label="Sign in"] button[type="submit"]`)
	p.WaitText("main h1", tenantName)
	p.WaitVisible("#sign-out")
}

// visit shows path as the console's router does for an address typed or followed: the path is
// pushed on the history and routed (within the page, so the in-memory session stays).
func visit(p *browser.Page, path string) {
	p.Eval(`history.pushState(null, "", `+jsString(path)+`); dispatchEvent(new PopStateEvent("popstate")); true`, nil)
}

// hasRefreshCookie reports whether the sign-in set the HttpOnly refresh cookie (the API's
// cookie-based refresh), which lets a reload keep the session.
func hasRefreshCookie(p *browser.Page) bool {
	for _, c := range p.Cookies() {
		if c.Name == "tenantry_refresh" && c.HTTPOnly {
			return true
		}
	}
	return false
}

// TestBrowserPlatform drives the sign-in and the Administration pages of one service in one
// browser: the session (platformSession) and the pages (platformAdministration).
func TestBrowserPlatform(t *testing.T) {
	s := platformServer(t)
	ana := s.Register("ana")
	bob := s.Register("bob")
	br := browser.Start(t)
	t.Run("session", func(t *testing.T) { platformSession(t, s, br, ana) })
	t.Run("administration", func(t *testing.T) { platformAdministration(t, s, br, ana, bob) })
}

// platformSession: the first load weighs under 200 KB of JavaScript and CSS; signing in shows
// the start page, a reload keeps the session (through the refresh cookie), signing out goes back
// to the sign-in page and a protected address then asks to sign in.
func platformSession(t *testing.T, s *apitest.Server, br *browser.Browser, a apitest.Account) {
	p := br.NewPage(t)

	p.Go(s.URL + "/sign-in")
	p.WaitVisible(`input[name="email"]`)
	p.NoSeriousAxe(t)
	p.Screenshot("platform-sign-in")
	platformSignIn(t, p, s, a.Email, a.Password, "Tenant ana")
	js, css := p.Transferred()
	t.Logf("first load of /sign-in and the start page: %d bytes of JavaScript, %d of CSS", js, css)
	if js == 0 || css == 0 || js+css >= 200_000 {
		t.Errorf("first load transferred %d bytes of JavaScript and %d of CSS; want some of each, under 200 KB together", js, css)
	}
	p.WaitText("main", "You are signed in as ana, owner of this tenant.")
	for _, href := range []string{"/members", "/invitations", "/teams", "/api-keys", "/audit-log", "/tenant"} {
		if !p.Exists(`#nav a[href="` + href + `"]`) {
			t.Errorf("the owner's navigation has no %s", href)
		}
	}
	p.NoSeriousAxe(t)
	p.Screenshot("platform-start")

	if hasRefreshCookie(p) {
		p.Go(s.URL + "/")
		p.WaitText("main h1", "Tenant ana")
		p.WaitVisible("#sign-out")
	} else {
		t.Log("the sign-in set no tenantry_refresh cookie (cookie-based refresh is not on this branch yet): the reload assertion is skipped")
	}

	p.Click("#sign-out")
	p.WaitText("main h1", "Sign in")
	if u := p.URL(); !strings.HasSuffix(u, "/sign-in") {
		t.Errorf("after signing out at %s, want /sign-in", u)
	}
	p.Go(s.URL + "/members")
	p.WaitText("main h1", "Sign in")
	if u := p.URL(); !strings.Contains(u, "/sign-in?next=%2Fmembers") {
		t.Errorf("a protected page after signing out is at %s, want the sign-in page with next=/members", u)
	}
	noCanaryRan(t, p, "session")
}

// platformAdministration: an owner invites through the Invitations page and the invitee joins
// from the mailed link in a fresh browser context; teams, members, API keys and the audit log
// work through their pages; a canary as a member's, a team's and a key's name stays inert on
// every page that shows it; the key's secret is shown once and copied; a member of another
// tenant cannot reach these pages' objects by their addresses.
func platformAdministration(t *testing.T, s *apitest.Server, br *browser.Browser, ana, bob apitest.Account) {
	p := br.NewPage(t)
	platformSignIn(t, p, s, ana.Email, ana.Password, "Tenant ana")

	// invite cara through the page
	p.Click(`#nav a[href="/invitations"]`)
	p.WaitText("main h1", "Invitations")
	p.Fill(`form[aria-label="Invite someone"] input[name="email"]`, "cara@example.com")
	p.Select(`form[aria-label="Invite someone"] select[name="role"]`, "operator")
	p.Click(`form[aria-label="Invite someone"] button[type="submit"]`)
	p.WaitText("main", "Invitation sent to cara@example.com as operator.")
	p.WaitText("table.list tbody", "cara@example.com")
	p.WaitText("table.list tbody", "open")
	// a second invitation, revoked with two clicks (the first only arms the button)
	p.Fill(`form[aria-label="Invite someone"] input[name="email"]`, "dora@example.com")
	p.Click(`form[aria-label="Invite someone"] button[type="submit"]`)
	p.WaitText("table.list tbody tr:first-child", "dora@example.com")
	p.Click("table.list tbody tr:first-child button.danger")
	p.WaitText("table.list tbody tr:first-child button.danger", "Click again")
	p.Click("table.list tbody tr:first-child button.danger")
	p.WaitText("table.list tbody tr:first-child", "revoked")
	if n := s.Count(`SELECT count(*) FROM invitations WHERE email = 'dora@example.com' AND revoked_at IS NOT NULL`); n != 1 {
		t.Errorf("%d revoked invitations to dora, want 1", n)
	}
	p.NoSeriousAxe(t)
	p.Screenshot("platform-invitations")

	// cara opens the mailed link in a fresh browser context and joins with the canary as her name
	token := s.WaitMailedToken("cara@example.com", "inv", 1)
	link := s.URL + "/invitations/accept?token=" + url.QueryEscape(token)
	mailed := regexp.MustCompile(`https?://\S+/invitations/accept\?token=tnr_inv_[A-Za-z0-9]+`).FindString(strings.Join(s.MailedTo("cara@example.com"), "\n"))
	if mailed != "" {
		u, err := url.Parse(mailed)
		if err != nil || u.Query().Get("token") != token {
			t.Fatalf("the mailed link %q does not carry the mailed token", mailed)
		}
		link = s.URL + u.RequestURI() // the mail links the configured public URL; the test server is elsewhere
		t.Logf("the invitation mail links %s; opening its path on the test server", mailed)
	} else {
		t.Log("the invitation mail carries no console link yet: the link is built from the mailed token")
	}
	guest := br.NewPage(t)
	guest.Go(link)
	guest.WaitText("main h1", "Accept an invitation")
	if strings.Contains(guest.URL(), "token=") {
		t.Errorf("the token stayed in the address bar: %s", guest.URL())
	}
	guest.Fill(`input[name="name"]`, canary)
	guest.Fill(`input[name="password"]`, "correct horse cara")
	guest.Click(`form[aria-label="Accept the invitation"] button[type="submit"]`)
	guest.WaitText("main h1", "Tenant ana")
	guest.WaitText("main", "operator of this tenant")
	inert(t, guest, "cara's start page")
	if guest.Exists(`#nav a[href="/members"]`) || guest.Exists(`#nav a[href="/api-keys"]`) || !guest.Exists(`#nav a[href="/teams"]`) {
		t.Error("an operator's navigation: want Teams, and neither Members nor API keys")
	}
	visit(guest, "/api-keys")
	guest.WaitText("main", "Only owners of this tenant can use this page.")
	visit(guest, "/members")
	guest.WaitText("main", "Only admins and owners of this tenant can use this page.")
	var caraUser, caraMember string
	for _, m := range s.Must(200, "GET", "/api/v1/members", ana.Access, nil)["items"].([]any) {
		if m := m.(map[string]any); m["email"] == "cara@example.com" {
			caraUser, caraMember = m["user_id"].(string), m["id"].(string)
			if m["name"] != canary || m["role"] != "operator" {
				t.Errorf("cara joined as %v", m)
			}
		}
	}
	if caraMember == "" {
		t.Fatal("cara is not a member after accepting")
	}

	// the owner's members page shows her name as text; her page changes her role
	p.Click(`#nav a[href="/members"]`)
	p.WaitText("main h1", "Members")
	inert(t, p, "members")
	p.NoSeriousAxe(t)
	p.Screenshot("platform-members")
	p.Click(`a.member-name[href="/members/` + caraMember + `"]`)
	p.WaitText("main h1", canary)
	p.Select(`form[aria-label="Change role"] select[name="role"]`, "viewer")
	p.Click(`form[aria-label="Change role"] button[type="submit"]`)
	p.WaitText("main", "is now viewer.")
	inert(t, p, "member detail")
	p.NoSeriousAxe(t)
	p.Screenshot("platform-member")
	if got := s.Must(200, "GET", "/api/v1/members/"+caraMember, ana.Access, nil)["role"]; got != "viewer" {
		t.Errorf("cara's role after the change: %v", got)
	}

	// a team named with the canary, with cara in it
	p.Click(`#nav a[href="/teams"]`)
	p.WaitText("main h1", "Teams")
	p.Fill(`form[aria-label="New team"] input[name="name"]`, canary)
	p.Click(`form[aria-label="New team"] button[type="submit"]`)
	p.WaitVisible("a.team-name")
	inert(t, p, "teams")
	p.NoSeriousAxe(t)
	p.Screenshot("platform-teams")
	teams := s.Must(200, "GET", "/api/v1/teams", ana.Access, nil)["items"].([]any)
	if len(teams) != 1 || teams[0].(map[string]any)["name"] != canary {
		t.Fatalf("teams after creating one: %v", teams)
	}
	team := teams[0].(map[string]any)["id"].(string)
	p.Click("a.team-name")
	p.WaitText("main h1", canary)
	p.Select(`form[aria-label="Add a member"] select[name="user_id"]`, caraUser)
	p.Click(`form[aria-label="Add a member"] button[type="submit"]`)
	p.WaitVisible("span.team-member")
	inert(t, p, "team detail")
	p.NoSeriousAxe(t)
	p.Screenshot("platform-team")
	if n := len(s.Must(200, "GET", "/api/v1/teams/"+team+"/members", ana.Access, nil)["items"].([]any)); n != 1 {
		t.Errorf("the team has %d members, want 1", n)
	}
	p.Fill(`form[aria-label="Rename the team"] input[name="name"]`, canary+" 2")
	p.Click(`form[aria-label="Rename the team"] button[type="submit"]`)
	p.WaitText("main h1", canary+" 2")
	if got := s.Must(200, "GET", "/api/v1/teams/"+team, ana.Access, nil)["name"]; got != canary+" 2" {
		t.Errorf("the team's name after renaming: %v", got)
	}

	// an API key named with the canary: its secret is shown once, copied, and works
	p.Click(`#nav a[href="/api-keys"]`)
	p.WaitText("main h1", "API keys")
	p.Fill(`form[aria-label="New API key"] input[name="name"]`, canary)
	p.Click("#scope-audit-read")
	p.Click(`form[aria-label="New API key"] button[type="submit"]`)
	p.WaitVisible("#new-key-secret")
	secret := p.Text("#new-key-secret")
	if !strings.HasPrefix(secret, "tnr_key_") {
		t.Fatalf("the shown secret %q is not a key", secret)
	}
	p.WaitText(".secret-notice", "you will not see it again")
	p.Click(".secret-notice button.copy")
	if got := p.Clipboard(); got != secret {
		t.Errorf("the clipboard holds %q, want the secret", got)
	}
	if r := s.Do("GET", "/api/v1/audit-log", "", nil, "X-API-Key", secret); r.Status != http.StatusOK {
		t.Errorf("the shown key with audit:read: %d %s", r.Status, r.Body)
	}
	p.WaitVisible("a.key-name")
	inert(t, p, "API keys")
	p.NoSeriousAxe(t)
	p.Screenshot("platform-api-keys")
	keys := s.Must(200, "GET", "/api/v1/api-keys", ana.Access, nil)["items"].([]any)
	key := keys[0].(map[string]any)
	if key["name"] != canary || !strings.Contains(strings.Join(anyStrings(key["scopes"]), " "), "audit:read") {
		t.Errorf("the created key: %v", key)
	}
	secretShown := func(where string) {
		var shown bool
		p.Eval(`document.body.textContent.includes(`+jsString(secret)+`) || JSON.stringify({...localStorage, ...sessionStorage}).includes(`+jsString(secret)+`)`, &shown)
		if shown || p.Exists("#new-key-secret") {
			t.Errorf("%s: the secret is shown again", where)
		}
	}
	p.Click("a.key-name")
	p.WaitText("main h1", canary)
	inert(t, p, "API key detail")
	secretShown("the key's page")
	p.Screenshot("platform-api-key")
	p.Click("main button.danger")
	p.WaitText("main button.danger", "Click again")
	p.Click("main button.danger")
	p.WaitText("main h1", "API keys")
	if r := s.Do("GET", "/api/v1/audit-log", "", nil, "X-API-Key", secret); r.Status != http.StatusUnauthorized {
		t.Errorf("the revoked key: %d, want 401", r.Status)
	}
	p.Click(`#nav a[href="/api-keys"]`)
	p.WaitVisible("a.key-name")
	secretShown("the API keys page, visited again")
	if hasRefreshCookie(p) {
		p.Go(s.URL + "/api-keys")
		p.WaitVisible("a.key-name")
		secretShown("the API keys page, reloaded")
	} else {
		t.Log("no refresh cookie (cookie-based refresh is not on this branch yet): a reload signs out, so the reloaded page is checked in-app only")
	}

	// the audit log, filtered to the role change
	p.Click(`#nav a[href="/audit-log"]`)
	p.WaitText("main h1", "Audit log")
	p.WaitVisible("table.list tbody tr")
	p.Fill(`form[aria-label="Filter the audit log"] input[name="action"]`, "member.role_change")
	p.Click(`form[aria-label="Filter the audit log"] button[type="submit"]`)
	p.WaitText("table.list caption", "Events matching the filters")
	p.WaitText("table.list tbody", "member.role_change")
	if !strings.Contains(p.URL(), "action=member.role_change") {
		t.Errorf("the filter is not in the address: %s", p.URL())
	}
	if n := p.Count("table.list tbody tr"); n != 1 {
		t.Errorf("%d events for member.role_change, want 1", n)
	}
	p.NoSeriousAxe(t)
	p.Screenshot("platform-audit-log")
	noCanaryRan(t, p, "audit log")

	// bob, of another tenant, opens ana's objects by their addresses: not found, nothing shown
	other := br.NewPage(t)
	platformSignIn(t, other, s, bob.Email, bob.Password, "Tenant bob")
	for _, path := range []string{"/teams/" + team, "/members/" + caraMember, "/api-keys/" + key["id"].(string)} {
		if hasRefreshCookie(other) {
			other.Go(s.URL + path)
		} else {
			visit(other, path)
		}
		other.WaitText("main h1", "Not found")
		var text string
		other.Eval(`document.querySelector("main").textContent`, &text)
		if strings.Contains(text, canary) || strings.Contains(text, "cara") {
			t.Errorf("bob at %s sees %q", path, text)
		}
	}
	other.Screenshot("platform-not-found")
	noCanaryRan(t, other, "another tenant")

	// the owner removes cara from her page
	p.Click(`#nav a[href="/members"]`)
	p.Click(`a.member-name[href="/members/` + caraMember + `"]`)
	p.WaitText("main h1", canary)
	p.Click("main button.danger:not(.transfer)")
	p.WaitText("main button.danger:not(.transfer)", "Click again")
	p.Click("main button.danger:not(.transfer)")
	p.WaitText("main h1", "Members")
	if r := s.Do("GET", "/api/v1/members/"+caraMember, ana.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("cara after her removal: %d, want 404", r.Status)
	}
	noCanaryRan(t, p, "members after a removal")

	// the tenant's settings: the owner renames it
	p.Click(`#nav a[href="/tenant"]`)
	p.WaitText("main h1", "Tenant settings")
	p.Fill(`form[aria-label="Tenant profile"] input[name="name"]`, "Tenant ana renamed")
	p.Click(`form[aria-label="Tenant profile"] button[type="submit"]`)
	p.WaitText("main", "Saved: Tenant ana renamed (t-ana).")
	p.WaitText("#top", "Tenant ana renamed")
	if got := s.Must(200, "GET", "/api/v1/tenant", ana.Access, nil)["name"]; got != "Tenant ana renamed" {
		t.Errorf("the tenant's name after renaming: %v", got)
	}
	p.NoSeriousAxe(t)
	p.Screenshot("platform-tenant")
	noCanaryRan(t, p, "tenant settings")
	noCanaryRan(t, guest, "cara")
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
