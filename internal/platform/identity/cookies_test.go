package identity

import (
	"strings"
	"testing"
	"time"
)

// TestCookiesSecure: the cookies are Secure when the request came over TLS or the public URL is
// https, and only then; the CSRF cookie is never HttpOnly.
func TestCookiesSecure(t *testing.T) {
	for _, c := range []struct {
		public string
		tls    bool
		secure bool
	}{{"http://127.0.0.1:8080", false, false}, {"http://127.0.0.1:8080", true, true}, {"https://tenantry.example.com", false, true}} {
		s := &Service{publicURL: c.public, refreshTTL: time.Hour}
		sess := Session{RefreshToken: "tnr_rt_x"}
		cookies := s.sessionCookies(&CookieRequest{RefreshIn: "cookie", CookieTransport: CookieTransport{tls: c.tls}}, &sess)
		if len(cookies) != 2 || sess.RefreshToken != "" {
			t.Fatalf("%+v: %v, body token %q", c, cookies, sess.RefreshToken)
		}
		for _, ck := range cookies {
			if line := ck.String(); ck.Secure != c.secure || !strings.Contains(line, "Max-Age=3600") {
				t.Errorf("%+v: %s", c, line)
			}
		}
		if !cookies[0].HttpOnly || cookies[1].HttpOnly {
			t.Errorf("%+v: refresh cookie HttpOnly %v, csrf cookie HttpOnly %v", c, cookies[0].HttpOnly, cookies[1].HttpOnly)
		}
	}
	if got := (&Service{}).sessionCookies(&CookieRequest{}, &Session{RefreshToken: "tnr_rt_x"}); got != nil {
		t.Errorf("without the header: %v, want no cookie", got)
	}
}
