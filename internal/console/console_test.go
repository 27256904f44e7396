package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string, headers ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// TestServesThePageForAppPaths: every path outside the reserved ones answers the page, with the
// strict policy; assets answer themselves; reserved paths and missing assets are 404.
func TestServesThePageForAppPaths(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/sign-in", "/flows/0b7e0e5e-3a4c-4f43-9b7f-3b2f57b7a2b1", "/s/some-token"} {
		res := get(t, h, path)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), `id="main"`) {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if res.Header.Get("Content-Security-Policy") != Policy || res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", path, res.Header)
		}
	}
	res := get(t, h, "/assets/js/app.js")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/api/v1/nothing", "/assets/nothing.js", "/docs/x", "/health/nothing", "/openapi.yaml", "/metrics"} {
		if res := get(t, h, path); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
}

// TestCompressesAndRevalidates: gzip when asked (and only then), 304 for a matching ETag.
func TestCompressesAndRevalidates(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	plain := get(t, h, "/assets/js/lib.js")
	zipped := get(t, h, "/assets/js/lib.js", "Accept-Encoding", "gzip, br")
	if plain.Header.Get("Content-Encoding") != "" || zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("encodings: %q %q", plain.Header.Get("Content-Encoding"), zipped.Header.Get("Content-Encoding"))
	}
	if plain.ContentLength <= zipped.ContentLength {
		t.Errorf("gzip %d bytes, plain %d", zipped.ContentLength, plain.ContentLength)
	}
	if refused := get(t, h, "/assets/js/lib.js", "Accept-Encoding", "gzip;q=0"); refused.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused")
	}
	again := get(t, h, "/assets/js/lib.js", "If-None-Match", plain.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d", again.StatusCode)
	}
}

// forbidden are the ways script could turn text into markup or code; the console builds the DOM
// with h() and sets text only, and the policy forbids inline script and style.
var forbidden = regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(['"]on|\bstyle=`)

// TestAssetsWriteNoMarkup: no asset builds markup from strings, and the page has no inline script
// or style (which the policy would block anyway).
func TestAssetsWriteNoMarkup(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]*asset{"index.html": h.page}
	for name, a := range h.files {
		all[name] = a
	}
	for name, a := range all {
		if loc := forbidden.FindIndex(a.body); loc != nil {
			t.Errorf("%s: %q", name, a.body[loc[0]:loc[1]])
		}
	}
	if regexp.MustCompile(`<script(?:\s+type="module")?>`).Match(h.page.body) {
		t.Error("index.html has an inline script")
	}
}

// TestFirstLoadWeight: the JavaScript and CSS of the console, compressed as served, stay under
// 200 KB (all of it: the first load fetches every module the shell imports).
func TestFirstLoadWeight(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var total int
	for name, a := range h.files {
		if strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css") {
			n := len(a.body)
			if a.gz != nil {
				n = len(a.gz)
			}
			total += n
		}
	}
	t.Logf("JavaScript and CSS: %d bytes compressed", total)
	if total > 200_000 {
		t.Errorf("JavaScript and CSS weigh %d bytes compressed, over 200 KB", total)
	}
}
