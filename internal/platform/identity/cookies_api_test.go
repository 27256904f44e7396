package identity_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// browserCookies are the two cookies of a browser session as an answer set them.
type browserCookies struct {
	refresh, csrf *http.Cookie
	raw           []string // the Set-Cookie lines
}

func setCookies(t *testing.T, r apitest.Response) browserCookies {
	t.Helper()
	var c browserCookies
	c.raw = r.Header.Values("Set-Cookie")
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		switch ck.Name {
		case "tenantry_refresh":
			c.refresh = ck
		case "tenantry_csrf":
			c.csrf = ck
		}
	}
	if c.refresh == nil || c.csrf == nil {
		t.Fatalf("want both cookies, got Set-Cookie %q", c.raw)
	}
	return c
}

// header is the Cookie header a browser sends to /api/v1/auth with c.
func (c browserCookies) header() string {
	return "tenantry_refresh=" + c.refresh.Value + "; tenantry_csrf=" + c.csrf.Value
}

// TestBrowserSessionCookies: X-Tenantry-Refresh: cookie moves the refresh token from the body into
// an HttpOnly, SameSite=Strict cookie on /api/v1/auth with a readable CSRF cookie; refresh and
// logout through the cookie need the CSRF cookie repeated in X-CSRF-Token and an Origin of the
// service (its own, or a CORS origin), and refuse anything else with 403 while the token stays good;
// the refresh rotates both cookies, the logout clears them; a body token works as before.
func TestBrowserSessionCookies(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) {
		c.CORSOrigins = []string{"https://console.example.com"}
	}})
	a := s.Register("cora")
	const asCookie = "X-Tenantry-Refresh"
	login := map[string]any{"email": a.Email, "password": a.Password}

	r := s.Do("POST", "/api/v1/auth/login", "", login, asCookie, "cookie")
	if r.Status != 200 {
		t.Fatalf("login with the header: %d %s", r.Status, r.Body)
	}
	if body := r.JSON(t); body["refresh_token"] != nil || body["access_token"] == "" {
		t.Errorf("login with the header answered %s, want an access token and no refresh_token", r.Body)
	}
	c := setCookies(t, r)
	for _, line := range c.raw {
		if !strings.Contains(line, "SameSite=Strict") || !strings.Contains(line, "Max-Age=2592000") || strings.Contains(line, "Secure") {
			t.Errorf("cookie %q: want SameSite=Strict, Max-Age of the refresh token's 720h, not Secure over plain HTTP", line)
		}
	}
	if !c.refresh.HttpOnly || c.refresh.Path != "/api/v1/auth" || !strings.HasPrefix(c.refresh.Value, "tnr_rt_") {
		t.Errorf("refresh cookie %+v: want HttpOnly, Path=/api/v1/auth, the refresh token", c.refresh)
	}
	if c.csrf.HttpOnly || c.csrf.Path != "/" || len(c.csrf.Value) != 43 {
		t.Errorf("csrf cookie %+v: want readable, Path=/, 32 bytes base64url", c.csrf)
	}

	// Refused: each leaves the cookie's token as it was.
	own := s.URL
	for name, h := range map[string][]string{
		"no CSRF header":    {"Cookie", c.header()},
		"wrong CSRF header": {"Cookie", c.header(), "X-CSRF-Token", c.csrf.Value + "x"},
		"CSRF cookie lost":  {"Cookie", "tenantry_refresh=" + c.refresh.Value, "X-CSRF-Token", c.csrf.Value},
		"foreign Origin":    {"Cookie", c.header(), "X-CSRF-Token", c.csrf.Value, "Origin", "https://evil.example"},
		"Origin over https": {"Cookie", c.header(), "X-CSRF-Token", c.csrf.Value, "Origin", strings.Replace(own, "http:", "https:", 1)},
	} {
		for _, op := range []string{"refresh", "logout"} {
			r := s.Do("POST", "/api/v1/auth/"+op, "", map[string]any{}, h...)
			if r.Status != 403 || !strings.Contains(string(r.Body), "csrf check failed") || r.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s, %s: %d %s %q, want 403 csrf check failed, no cookie", name, op, r.Status, r.Body, r.Header.Values("Set-Cookie"))
			}
		}
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{}); r.Status != 422 {
		t.Errorf("refresh with neither token nor cookie: %d %s, want 422", r.Status, r.Body)
	}

	// Accepted from the page's own origin: rotates both cookies.
	r = s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{}, "Cookie", c.header(), "X-CSRF-Token", c.csrf.Value, "Origin", own)
	if r.Status != 200 || r.JSON(t)["refresh_token"] != nil {
		t.Fatalf("refresh through the cookie: %d %s, want 200 without refresh_token", r.Status, r.Body)
	}
	next := setCookies(t, r)
	if next.refresh.Value == c.refresh.Value || next.csrf.Value == c.csrf.Value {
		t.Errorf("refresh kept a cookie's value: %q", next.raw)
	}
	// From a CORS origin, without an Origin: also accepted.
	r = s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{}, "Cookie", next.header(), "X-CSRF-Token", next.csrf.Value, "Origin", "https://console.example.com")
	if r.Status != 200 {
		t.Fatalf("refresh from the CORS origin: %d %s", r.Status, r.Body)
	}
	c = setCookies(t, r)
	r = s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{}, "Cookie", c.header(), "X-CSRF-Token", c.csrf.Value)
	if r.Status != 200 {
		t.Fatalf("refresh without Origin: %d %s", r.Status, r.Body)
	}
	c = setCookies(t, r)
	access := r.JSON(t)["access_token"].(string)

	// Switching tenant with the header answers the new session in the cookies too.
	other := s.Must(201, "POST", "/api/v1/tenants", access, map[string]any{"name": "Cora Two", "slug": "cora-two"})
	r = s.Do("POST", "/api/v1/auth/switch-tenant", access, map[string]any{"tenant_id": other["tenant"].(map[string]any)["id"]}, asCookie, "cookie")
	if r.Status != 200 || r.JSON(t)["refresh_token"] != nil || r.JSON(t)["tenant_id"] != other["tenant"].(map[string]any)["id"] {
		t.Fatalf("switch-tenant with the header: %d %s", r.Status, r.Body)
	}
	switched := setCookies(t, r)

	// Logout through the cookie ends that session and clears both cookies.
	r = s.Do("POST", "/api/v1/auth/logout", "", map[string]any{}, "Cookie", c.header(), "X-CSRF-Token", c.csrf.Value, "Origin", own)
	if r.Status != 204 {
		t.Fatalf("logout through the cookie: %d %s", r.Status, r.Body)
	}
	cleared := setCookies(t, r)
	if cleared.refresh.Value != "" || cleared.csrf.Value != "" || cleared.refresh.MaxAge >= 0 || cleared.csrf.MaxAge >= 0 || cleared.refresh.Path != "/api/v1/auth" {
		t.Errorf("logout's cookies %q: want both emptied with Max-Age=0 on their paths", cleared.raw)
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": c.refresh.Value}); r.Status != 401 {
		t.Errorf("the logged-out cookie's token: %d, want 401", r.Status)
	}
	// The other session lives on; its rotated cookie is spent (reusing it ends that session).
	s.Must(200, "POST", "/api/v1/auth/refresh", "", map[string]any{}, "Cookie", switched.header(), "X-CSRF-Token", switched.csrf.Value)
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{}, "Cookie", switched.header(), "X-CSRF-Token", switched.csrf.Value); r.Status != 401 {
		t.Errorf("the rotated cookie again: %d %s, want 401", r.Status, r.Body)
	}

	// Without the header, nothing changes for integrations: the token in the body, no cookie.
	r = s.Do("POST", "/api/v1/auth/login", "", login)
	if r.Status != 200 || r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("login without the header: %d %q", r.Status, r.Header.Values("Set-Cookie"))
	}
	rt, _ := r.JSON(t)["refresh_token"].(string)
	r = s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": rt})
	if r.Status != 200 || r.Header.Get("Set-Cookie") != "" || r.JSON(t)["refresh_token"] == nil {
		t.Fatalf("refresh by body: %d %s %q", r.Status, r.Body, r.Header.Values("Set-Cookie"))
	}
	s.Must(204, "POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": r.JSON(t)["refresh_token"]})
}
