package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
)

// Browser sessions: a page keeps its refresh token where its script cannot read it. An operation
// that answers a session, asked with X-Tenantry-Refresh: cookie, leaves refresh_token out of the
// body and sets it as the HttpOnly cookie tenantry_refresh, limited to /api/v1/auth, with the CSRF
// cookie tenantry_csrf beside it (readable by the page). Refresh and logout then take the token
// from the cookie, when the body names none, and only from a request that repeats the CSRF cookie
// in X-CSRF-Token and, when it names one, comes from an Origin of the service (double-submit
// cookie; SameSite=Strict keeps other sites' requests from carrying the cookies at all).
const (
	refreshCookie = "tenantry_refresh"
	csrfCookie    = "tenantry_csrf"
	refreshPath   = "/api/v1/auth"
)

// errCSRF answers a cookie refresh or logout that fails the CSRF check; nothing changes.
var errCSRF = errs.E(errs.Forbidden, "csrf check failed: send the tenantry_csrf cookie's value in X-CSRF-Token, from the service's own origin")

// CookieTransport keeps what the cookies' attributes and the Origin check depend on.
type CookieTransport struct {
	tls    bool   // the request came over TLS
	host   string // the request's Host
	origin string // its Origin header, if any
}

// Resolve keeps the request's transport facts (huma.Resolver).
func (c *CookieTransport) Resolve(ctx huma.Context) []error {
	c.tls, c.host, c.origin = ctx.TLS() != nil, ctx.Host(), ctx.Header("Origin")
	return nil
}

// CookieRequest reads whether the caller wants the refresh token as a cookie; it is embedded in
// the input of every operation that answers a session.
type CookieRequest struct {
	CookieTransport
	RefreshIn string `header:"X-Tenantry-Refresh" enum:"cookie" doc:"cookie: a browser's request; the refresh token is set as the HttpOnly cookie tenantry_refresh (Path=/api/v1/auth, SameSite=Strict) with the CSRF cookie tenantry_csrf, instead of in the body"`
}

func (c *CookieRequest) wantsCookie() bool { return c.RefreshIn == "cookie" }

// SessionCookies is the Set-Cookie header of an answer that may carry or clear the cookies.
type SessionCookies struct {
	SetCookie []http.Cookie `header:"Set-Cookie" doc:"With X-Tenantry-Refresh: cookie, or a refresh or logout through the cookie: tenantry_refresh (the refresh token; HttpOnly, Path=/api/v1/auth, SameSite=Strict) and tenantry_csrf (repeat it in X-CSRF-Token; Path=/, SameSite=Strict), both living as long as the refresh token; a logout clears them"`
}

// CookieCredentials is a browser's refresh token with its CSRF proof, embedded in the input of
// refresh and logout.
type CookieCredentials struct {
	CookieTransport
	CSRFToken     string `header:"X-CSRF-Token" maxLength:"255" doc:"The tenantry_csrf cookie's value; required when the refresh token comes from the cookie"`
	RefreshCookie string `cookie:"tenantry_refresh" maxLength:"255" doc:"The refresh token a browser session keeps; used when the body names none"`
	CSRFCookie    string `cookie:"tenantry_csrf" maxLength:"255" doc:"The CSRF cookie set beside tenantry_refresh"`
}

// RefreshBody names the refresh token, or leaves it to the cookie.
type RefreshBody struct {
	RefreshToken string `json:"refresh_token,omitempty" minLength:"1" maxLength:"255" writeOnly:"true" doc:"The refresh token; leave it out to use the tenantry_refresh cookie"`
}

// RefreshInput carries the refresh token: in the body, or, for a browser, in the cookie with the
// CSRF proof; the new one goes where the old one came from, or to the cookie when asked.
type RefreshInput struct {
	CookieCredentials
	RefreshIn string `header:"X-Tenantry-Refresh" enum:"cookie" doc:"cookie: answer the new refresh token in the cookies rather than in the body (implied when it comes from the cookie)"`
	Body      RefreshBody
}

// LogoutInput names the session to end: by its refresh token in the body or in the cookie.
type LogoutInput struct {
	CookieCredentials
	Body RefreshBody
}

// refreshToken is the token the request names: the body's, else the cookie's after the CSRF
// check. fromCookie reports the second.
func (s *Service) refreshToken(c *CookieCredentials, body string) (token string, fromCookie bool, err error) {
	if body != "" {
		return body, false, nil
	}
	if c.RefreshCookie == "" {
		return "", false, errs.Invalidf("body.refresh_token", "send refresh_token, or the tenantry_refresh cookie with X-CSRF-Token")
	}
	if c.CSRFToken == "" || c.CSRFCookie == "" ||
		subtle.ConstantTimeCompare([]byte(c.CSRFToken), []byte(c.CSRFCookie)) != 1 || !s.sameOrigin(&c.CookieTransport) {
		return "", false, errCSRF
	}
	return c.RefreshCookie, true, nil
}

// sameOrigin reports whether the request names no Origin, or the service's own: the request's
// scheme and Host, the public URL's origin, or one of the CORS origins.
func (s *Service) sameOrigin(c *CookieTransport) bool {
	if c.origin == "" {
		return true
	}
	o := strings.TrimRight(c.origin, "/")
	scheme := "http"
	if c.tls {
		scheme = "https"
	}
	if c.host != "" && o == scheme+"://"+c.host {
		return true
	}
	if u, err := url.Parse(s.publicURL); err == nil && u.Host != "" && o == u.Scheme+"://"+u.Host {
		return true
	}
	return slices.Contains(s.corsOrigins, o)
}

// sessionCookies moves a session's refresh token into the cookies when the request asks for it
// (c.wantsCookie), emptying refresh_token in the body.
func (s *Service) sessionCookies(c *CookieRequest, sess *Session) []http.Cookie {
	return s.moveToCookies(&c.CookieTransport, c.wantsCookie(), sess)
}

// moveToCookies is sessionCookies when want says whether to.
func (s *Service) moveToCookies(c *CookieTransport, want bool, sess *Session) []http.Cookie {
	if !want || sess.RefreshToken == "" {
		return nil
	}
	token := sess.RefreshToken
	sess.RefreshToken = ""
	return s.cookies(c, token, newCSRFToken(), int(s.refreshTTL/time.Second))
}

// clearCookies ends a browser session's cookies.
func (s *Service) clearCookies(c *CookieTransport) []http.Cookie { return s.cookies(c, "", "", -1) }

func (s *Service) cookies(c *CookieTransport, token, csrf string, maxAge int) []http.Cookie {
	secure := c.tls || strings.HasPrefix(s.publicURL, "https://")
	return []http.Cookie{
		{Name: refreshCookie, Value: token, Path: refreshPath, MaxAge: maxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode},
		{Name: csrfCookie, Value: csrf, Path: "/", MaxAge: maxAge, Secure: secure, SameSite: http.SameSiteStrictMode},
	}
}

// newCSRFToken is 32 random bytes, base64url.
func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}
