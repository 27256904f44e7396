package identity_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// ssoClient drives single sign-on as a browser would, without following redirects, and keeps
// every answer of the service so a test can search them all for the client secrets.
type ssoClient struct {
	t       *testing.T
	s       *apitest.Server
	mu      sync.Mutex
	answers []string
}

func newSSOClient(t *testing.T, s *apitest.Server) *ssoClient { return &ssoClient{t: t, s: s} }

func (c *ssoClient) keep(r apitest.Response) apitest.Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	var h strings.Builder
	for k, v := range r.Header {
		h.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
	c.answers = append(c.answers, h.String()+string(r.Body))
	return r
}

// do is apitest's Do, kept.
func (c *ssoClient) do(method, path, token string, body any) apitest.Response {
	c.t.Helper()
	return c.keep(c.s.Do(method, path, token, body))
}

// get sends a GET without following a redirect.
func (c *ssoClient) get(raw string) (int, http.Header) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), http.MethodGet, raw, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if strings.HasPrefix(raw, c.s.URL) {
		c.keep(apitest.Response{Status: res.StatusCode, Header: res.Header})
	}
	return res.StatusCode, res.Header
}

// start begins a sign-in to slug and returns the provider's authorization URL.
func (c *ssoClient) start(slug string) string {
	c.t.Helper()
	status, h := c.get(c.s.URL + "/api/v1/auth/oidc/start?tenant=" + slug)
	if status != http.StatusFound || h.Get("Location") == "" || h.Get("Cache-Control") != "no-store" {
		c.t.Fatalf("start %s: %d, Location %q, Cache-Control %q", slug, status, h.Get("Location"), h.Get("Cache-Control"))
	}
	return h.Get("Location")
}

// authorize visits the provider, which signs its user in and redirects back; it returns the
// callback's query (code and state).
func (c *ssoClient) authorize(authURL string) url.Values {
	c.t.Helper()
	status, h := c.get(authURL)
	if status != http.StatusFound {
		c.t.Fatalf("authorize: %d", status)
	}
	back, err := url.Parse(h.Get("Location"))
	if err != nil || back.Path != "/api/v1/auth/oidc/callback" {
		c.t.Fatalf("the provider sent the browser to %q", h.Get("Location"))
	}
	return back.Query()
}

// callback brings the provider's answer to the service.
func (c *ssoClient) callback(q url.Values) apitest.Response {
	c.t.Helper()
	return c.do("GET", "/api/v1/auth/oidc/callback?"+q.Encode(), "", nil)
}

// signIn runs a whole sign-in to slug and returns the callback's answer.
func (c *ssoClient) signIn(slug string) apitest.Response {
	c.t.Helper()
	return c.callback(c.authorize(c.start(slug)))
}

// noSecrets fails the test if any answer kept carries one of secrets.
func (c *ssoClient) noSecrets(secrets ...string) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.answers {
		for _, sec := range secrets {
			if strings.Contains(a, sec) {
				c.t.Errorf("an answer carries a client secret: %.300s", a)
			}
		}
	}
	if len(c.answers) == 0 {
		c.t.Error("no answers kept")
	}
}

func randomSecret(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// configure stores idp as the provider of a's tenant, allowing domains.
func (c *ssoClient) configure(a apitest.Account, idp *fakeIdP, domains ...string) map[string]any {
	c.t.Helper()
	r := c.do("PUT", "/api/v1/sso/oidc", a.Access, map[string]any{"issuer": idp.issuer(), "client_id": idp.clientID,
		"client_secret": idp.secret, "allowed_domains": domains})
	if r.Status != http.StatusOK {
		c.t.Fatalf("put sso: %d %s", r.Status, r.Body)
	}
	return r.JSON(c.t)
}

func TestSSOConfiguration(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	c := newSSOClient(t, s)
	a := s.Register("cfgowner")
	idp := startIdP(t, "client-a", randomSecret("secret-a-"))

	if r := c.do("GET", "/api/v1/sso/oidc", a.Access, nil); r.Status != http.StatusNotFound {
		t.Fatalf("get before any: %d %s", r.Status, r.Body)
	}
	body := c.configure(a, idp, "Corp.Example", "corp.example", "other.example")
	if body["issuer"] != idp.issuer() || body["client_id"] != "client-a" || body["client_secret_set"] != true {
		t.Errorf("put answered %v", body)
	}
	if d := body["allowed_domains"].([]any); len(d) != 2 || d[0] != "corp.example" || d[1] != "other.example" {
		t.Errorf("allowed domains %v, want [corp.example other.example] (lower case, no duplicates)", d)
	}
	if !strings.HasSuffix(body["redirect_uri"].(string), "/api/v1/auth/oidc/callback") ||
		!strings.HasSuffix(body["sign_in_url"].(string), "/api/v1/auth/oidc/start?tenant=t-cfgowner") {
		t.Errorf("redirect_uri %v, sign_in_url %v", body["redirect_uri"], body["sign_in_url"])
	}
	got := c.do("GET", "/api/v1/sso/oidc", a.Access, nil)
	if got.Status != http.StatusOK || got.JSON(t)["client_id"] != "client-a" {
		t.Fatalf("get: %d %s", got.Status, got.Body)
	}
	// The secret is sealed at rest: the column holds neither the secret nor its bytes.
	if n := s.Count(`SELECT count(*) FROM oidc_configs WHERE position(convert_to($1, 'UTF8') in client_secret) > 0`, idp.secret); n != 0 {
		t.Error("the client secret is stored in the clear")
	}
	if n := s.Count(`SELECT count(*) FROM oidc_configs WHERE tenant_id = $1`, a.TenantID); n != 1 {
		t.Errorf("%d rows for the tenant, want 1", n)
	}
	if strings.Contains(s.Logs.String(), idp.secret) {
		t.Error("the log carries the client secret")
	}

	invalid := []struct {
		field string
		body  map[string]any
	}{
		{"body.issuer", map[string]any{"issuer": "http://login.example.com", "client_id": "x", "client_secret": "y", "allowed_domains": []string{"corp.example"}}},
		{"body.allowed_domains[0]", map[string]any{"issuer": idp.issuer(), "client_id": "x", "client_secret": "y", "allowed_domains": []string{"not a domain"}}},
		{"body.client_id", map[string]any{"issuer": idp.issuer(), "client_id": "  ", "client_secret": "y", "allowed_domains": []string{"corp.example"}}},
		{"body.allowed_domains", map[string]any{"issuer": idp.issuer(), "client_id": "x", "client_secret": "y", "allowed_domains": []string{}}},
	}
	for _, tc := range invalid {
		r := c.do("PUT", "/api/v1/sso/oidc", a.Access, tc.body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"`+tc.field+`"`) {
			t.Errorf("%s: %d %s", tc.field, r.Status, r.Body)
		}
	}

	if r := c.do("GET", "/api/v1/audit-log?action=sso.oidc.put", a.Access, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "client-a") {
		t.Errorf("the audit log has no sso.oidc.put row: %d %s", r.Status, r.Body)
	}
	if r := c.do("DELETE", "/api/v1/sso/oidc", a.Access, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := c.do("GET", "/api/v1/sso/oidc", a.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("get after delete: %d", r.Status)
	}
	if r := c.do("DELETE", "/api/v1/sso/oidc", a.Access, nil); r.Status != http.StatusNotFound {
		t.Errorf("delete again: %d", r.Status)
	}
	c.noSecrets(idp.secret)
}

func TestSSOSignIn(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	c := newSSOClient(t, s)
	a := s.Register("ssoa")
	idp := startIdP(t, "client-sso-a", randomSecret("secret-sso-a-"))
	c.configure(a, idp, "corp.example", "example.com")

	t.Run("a new user joins as viewer", func(t *testing.T) {
		idp.next("New.Person@Corp.Example", true)
		r := c.signIn("t-ssoa")
		if r.Status != http.StatusOK {
			t.Fatalf("callback: %d %s", r.Status, r.Body)
		}
		sess := r.JSON(t)
		if sess["role"] != "viewer" || sess["tenant_id"] != a.TenantID || sess["refresh_token"] == "" {
			t.Fatalf("session %v", sess)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q on tokens", r.Header.Get("Cache-Control"))
		}
		me := c.do("GET", "/api/v1/me", sess["access_token"].(string), nil)
		if me.Status != http.StatusOK || !strings.Contains(string(me.Body), "New.Person@Corp.Example") {
			t.Errorf("me: %d %s", me.Status, me.Body)
		}
		if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'member.join' AND details->>'via' = 'oidc'`, a.TenantID); n != 1 {
			t.Errorf("%d member.join audit rows, want 1", n)
		}
		// Signing in again finds the member: no second account or membership.
		idp.next("new.person@corp.example", true)
		if r := c.signIn("t-ssoa"); r.Status != http.StatusOK || r.JSON(t)["role"] != "viewer" {
			t.Errorf("second sign-in: %d %s", r.Status, r.Body)
		}
		if n := s.Count(`SELECT count(*) FROM users WHERE lower(email) = 'new.person@corp.example'`); n != 1 {
			t.Errorf("%d accounts, want 1", n)
		}
	})

	t.Run("an existing member keeps their role", func(t *testing.T) {
		idp.next(a.Email, true)
		r := c.signIn("t-ssoa")
		if r.Status != http.StatusOK || r.JSON(t)["role"] != "owner" {
			t.Fatalf("owner via sso: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a single sign-on session acts only within its tenant", func(t *testing.T) {
		idp.next(a.Email, true)
		sess := c.signIn("t-ssoa").JSON(t)
		access, refresh := sess["access_token"].(string), sess["refresh_token"].(string)
		if r := c.do("GET", "/api/v1/tenant", access, nil); r.Status != http.StatusOK {
			t.Errorf("the tenant, through sso: %d %s", r.Status, r.Body)
		}
		refused := func(access, when string) {
			t.Helper()
			for _, req := range []struct {
				path string
				body any
			}{
				{"/api/v1/auth/switch-tenant", map[string]any{"tenant_id": a.TenantID}},
				{"/api/v1/tenants", map[string]any{"name": "Squat", "slug": "t-squat-" + when}},
				{"/api/v1/me/password", map[string]any{"current_password": "whatever", "new_password": "a new long password"}},
				{"/api/v1/me/email", map[string]any{"new_email": "elsewhere@example.com", "current_password": "whatever"}}, // 403 before the password
				{"/api/v1/me/two-factor/totp", nil},
			} {
				if r := c.do("POST", req.path, access, req.body); r.Status != http.StatusForbidden {
					t.Errorf("%s: POST %s through sso: %d %s, want 403", when, req.path, r.Status, r.Body)
				}
			}
		}
		refused(access, "first")
		r := c.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": refresh})
		if r.Status != http.StatusOK {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		refused(r.JSON(t)["access_token"].(string), "rotated")
		// The same account signed in with its password reaches its account as before.
		if r := c.do("POST", "/api/v1/auth/switch-tenant", a.Access, map[string]any{"tenant_id": a.TenantID}); r.Status != http.StatusOK {
			t.Errorf("switch-tenant with the password's session: %d %s", r.Status, r.Body)
		}
	})

	t.Run("the authorization request", func(t *testing.T) {
		idp.next("x@corp.example", true)
		u, err := url.Parse(c.start("t-ssoa"))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Scheme+"://"+u.Host != idp.issuer() || q.Get("client_id") != "client-sso-a" || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || len(q.Get("nonce")) < 32 || !strings.HasPrefix(q.Get("state"), "tnr_oidc_") ||
			!strings.Contains(q.Get("scope"), "openid") || q.Get("client_secret") != "" {
			t.Errorf("authorization URL %s", u)
		}
	})

	t.Run("a client asking for JSON gets the URL in a 200", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/api/v1/auth/oidc/start?tenant=t-ssoa", nil)
		req.Header.Set("Accept", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			AuthorizationURL string `json:"authorization_url"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		if res.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(body.AuthorizationURL, idp.issuer()+"/") ||
			res.Header.Get("Location") != "" || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("JSON start: %d %v %q, Location %q", res.StatusCode, err, body.AuthorizationURL, res.Header.Get("Location"))
		}
	})

	refused := []struct {
		name   string
		email  string
		verify bool
		setup  func()
		status int
	}{
		{"wrong nonce", "n@corp.example", true, func() { idp.tamper = func(m map[string]any) { m["nonce"] = "not-the-nonce" } }, 401},
		{"bad signature", "s@corp.example", true, func() { idp.signWithOther = true }, 401},
		{"expired token", "e@corp.example", true, func() {
			idp.tamper = func(m map[string]any) {
				m["exp"] = time.Now().Add(-10 * time.Minute).Unix()
				m["iat"] = time.Now().Add(-20 * time.Minute).Unix()
			}
		}, 401},
		{"wrong audience", "w@corp.example", true, func() { idp.tamper = func(m map[string]any) { m["aud"] = "another-client" } }, 401},
		{"wrong issuer", "i@corp.example", true, func() { idp.tamper = func(m map[string]any) { m["iss"] = "https://evil.example" } }, 401},
		{"disallowed domain", "mallory@evil.example", true, nil, 403},
		{"subdomain of an allowed domain", "m@sub.corp.example", true, nil, 403},
		{"unverified e-mail", "u@corp.example", false, nil, 403},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			idp.next(tc.email, tc.verify)
			if tc.setup != nil {
				idp.mu.Lock()
				tc.setup()
				idp.mu.Unlock()
			}
			r := c.signIn("t-ssoa")
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
			if strings.Contains(string(r.Body), "access_token") {
				t.Fatal("a refused sign-in carries tokens")
			}
			if n := s.Count(`SELECT count(*) FROM users WHERE lower(email) = $1`, tc.email); n != 0 {
				t.Errorf("a refused sign-in made an account")
			}
		})
	}

	t.Run("a state works once", func(t *testing.T) {
		idp.next("once@corp.example", true)
		q := c.authorize(c.start("t-ssoa"))
		if r := c.callback(q); r.Status != http.StatusOK {
			t.Fatalf("first: %d %s", r.Status, r.Body)
		}
		calls, _ := idp.calls()
		if r := c.callback(q); r.Status != http.StatusUnauthorized {
			t.Fatalf("replayed state: %d %s", r.Status, r.Body)
		}
		if after, _ := idp.calls(); after != calls {
			t.Error("a replayed state reached the token endpoint")
		}
	})

	t.Run("a wrong state", func(t *testing.T) {
		idp.next("ws@corp.example", true)
		q := c.authorize(c.start("t-ssoa"))
		if r := c.callback(url.Values{"code": {q.Get("code")}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "query.state") {
			t.Errorf("no state: %d %s", r.Status, r.Body)
		}
		for _, state := range []string{"garbage", strings.TrimSuffix(q.Get("state"), q.Get("state")[len(q.Get("state"))-4:]) + "AAAA"} {
			bad := url.Values{"code": {q.Get("code")}, "state": {state}}
			if r := c.callback(bad); r.Status != http.StatusUnauthorized {
				t.Errorf("state %q: %d %s", state, r.Status, r.Body)
			}
		}
		// The right state still works afterwards: a forged one spends nothing.
		if r := c.callback(q); r.Status != http.StatusOK {
			t.Errorf("the real state after forged ones: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a code from another sign-in fails PKCE", func(t *testing.T) {
		idp.next("pkce@corp.example", true)
		first := c.authorize(c.start("t-ssoa"))
		second := c.authorize(c.start("t-ssoa"))
		_, refusedBefore := idp.calls()
		swapped := url.Values{"code": {first.Get("code")}, "state": {second.Get("state")}}
		if r := c.callback(swapped); r.Status != http.StatusUnauthorized {
			t.Fatalf("swapped code: %d %s", r.Status, r.Body)
		}
		if _, refusedAfter := idp.calls(); refusedAfter != refusedBefore+1 {
			t.Error("the provider did not refuse the verifier: the test proves nothing")
		}
	})

	t.Run("the provider's error", func(t *testing.T) {
		q := c.authorize(c.start("t-ssoa"))
		if r := c.callback(url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}); r.Status != http.StatusUnauthorized {
			t.Errorf("error from the provider: %d %s", r.Status, r.Body)
		}
		if r := c.callback(q); r.Status != http.StatusUnauthorized {
			t.Errorf("the state after the provider's error: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a member of another tenant signs in with the password", func(t *testing.T) {
		other := s.Register("ssoelsewhere") // ssoelsewhere@example.com, owner of another tenant
		idp.next(other.Email, true)
		if r := c.signIn("t-ssoa"); r.Status != http.StatusForbidden {
			t.Fatalf("member elsewhere: %d %s", r.Status, r.Body)
		}
		if n := s.Count(`SELECT count(*) FROM memberships WHERE tenant_id = $1 AND user_id = $2`, a.TenantID, other.UserID); n != 0 {
			t.Error("the member of another tenant was joined")
		}
	})

	c.noSecrets(idp.secret)
}

// TestSSOTenants: each tenant's sign-in goes to its own provider with its own client; another
// tenant's provider is never asked, and a tenant without a provider is indistinguishable from no
// tenant at all.
func TestSSOTenants(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	c := newSSOClient(t, s)
	a, b := s.Register("ssota"), s.Register("ssotb")
	idpA := startIdP(t, "client-ta", randomSecret("secret-ta-"))
	idpB := startIdP(t, "client-tb", randomSecret("secret-tb-"))
	c.configure(a, idpA, "corp.example")
	c.configure(b, idpB, "corp.example")

	authA := c.start("t-ssota")
	if !strings.HasPrefix(authA, idpA.issuer()+"/authorize?") || !strings.Contains(authA, "client_id=client-ta") {
		t.Fatalf("A's sign-in goes to %s", authA)
	}
	idpA.next("one@corp.example", true)
	if r := c.callback(c.authorize(authA)); r.Status != http.StatusOK || r.JSON(t)["tenant_id"] != a.TenantID {
		t.Fatalf("A's sign-in: %d %s", r.Status, r.Body)
	}
	if calls, _ := idpB.calls(); calls != 0 || idpB.authorizations() != 0 {
		t.Errorf("B's provider was asked during A's sign-in (%d token calls)", calls)
	}

	// A's state with a code of B's provider: redeemed at A's provider, which does not know it.
	idpB.next("two@corp.example", true)
	codeB := c.authorize(c.start("t-ssotb"))
	stateA := c.authorize(c.start("t-ssota"))
	if r := c.callback(url.Values{"code": {codeB.Get("code")}, "state": {stateA.Get("state")}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("A's state with B's code: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM users WHERE lower(email) = 'two@corp.example'`); n != 0 {
		t.Error("B's code signed someone in to A")
	}
	if calls, _ := idpB.calls(); calls != 0 {
		t.Errorf("B's token endpoint was called %d times for A's sign-in", calls)
	}
	// B's own sign-in still works and lands in B.
	if r := c.callback(codeB); r.Status != http.StatusOK || r.JSON(t)["tenant_id"] != b.TenantID {
		t.Fatalf("B's sign-in: %d %s", r.Status, r.Body)
	}

	// No provider and no tenant answer the same bytes.
	s.Register("ssotnone")
	noProvider := c.do("GET", "/api/v1/auth/oidc/start?tenant=t-ssotnone", "", nil)
	noTenant := c.do("GET", "/api/v1/auth/oidc/start?tenant=t-no-such-tenant", "", nil)
	if noProvider.Status != http.StatusNotFound || noProvider.Fingerprint() != noTenant.Fingerprint() {
		t.Errorf("no provider and no tenant differ:\n%s\n%s", noProvider.Fingerprint(), noTenant.Fingerprint())
	}
	// B's configuration is B's: A reads its own.
	if r := c.do("GET", "/api/v1/sso/oidc", a.Access, nil); r.JSON(t)["client_id"] != "client-ta" {
		t.Errorf("A reads %s", r.Body)
	}
	c.noSecrets(idpA.secret, idpB.secret)
}
