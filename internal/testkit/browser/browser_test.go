package browser

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// csp is as strict as the console's: no inline script or style, nothing from elsewhere.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'"

// pages are the test server's HTML pages, each with the same head (a title and a language, so
// that only what a page adds can break axe-core's rules).
var pages = map[string]string{
	"/form": `<main><h1>Form</h1>
		<p id="banner">Welcome</p>
		<button id="add" type="button">Add</button>
		<ul id="list"></ul>
		<label for="name">Name</label> <input id="name" value="old">
		<label for="notes">Notes</label> <textarea id="notes">old notes</textarea>
		<label for="color">Color</label> <select id="color"><option value="red">Red</option><option value="blue">Blue</option></select>
		<p id="echo"></p>
		<button id="copy" type="button">Copy</button>
		<a id="download" href="/file.txt" download>Download</a>
		<script type="module" src="/form.js"></script></main>`,
	"/keys": `<main><h1>Keys</h1>
		<button id="one" type="button">One</button>
		<button id="two" type="button">Two</button>
		<p id="out"></p>
		<script type="module" src="/form.js"></script></main>`,
	"/bad":    `<main><h1>Bad</h1><img src="/pixel.svg"><button id="empty" type="button"></button></main>`,
	"/clean":  `<main><h1>Clean</h1><img src="/pixel.svg" alt="A pixel"><button type="button">Named</button></main>`,
	"/inline": `<main><h1>Inline</h1><script>document.title = "inline ran";</script></main>`,
	"/canary": `<main><h1>Canary</h1><script type="module" src="/canary.js"></script></main>`,
	"/weight": `<main><h1>Weight</h1><link rel="stylesheet" href="/app.css"><script type="module" src="/big.js"></script></main>`,
}

// scripts are the module scripts the pages load.
var scripts = map[string]string{
	"/form.js": `const $ = (s) => document.querySelector(s);
		$("#add")?.addEventListener("click", () => {
			const li = document.createElement("li");
			li.textContent = "item " + ($("#list").children.length + 1);
			$("#list").append(li);
			$("#banner").hidden = true;
		});
		for (const id of ["#name", "#notes", "#color"]) {
			$(id)?.addEventListener("input", (e) => { $("#echo").textContent = id + "=" + e.target.value; });
		}
		$("#copy")?.addEventListener("click", () => navigator.clipboard.writeText("copied text"));
		$("#two")?.addEventListener("click", () => { $("#out").textContent = "two pressed"; });`,
	"/canary.js": `alert("canary"); console.error("logged", 42); setTimeout(() => { throw new Error("uncaught boom"); });`,
}

// bigScript is served gzip-encoded: Transferred must count the compressed size.
var bigScript = strings.Repeat("console.log('padding the script to make compression count');\n", 2000)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func serve(t *testing.T) *httptest.Server {
	bigGz := gzipped(t, bigScript)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		switch body, ok := pages[r.URL.Path]; {
		case ok:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><title>Test page</title></head><body>` + body + `</body></html>`))
		case scripts[r.URL.Path] != "":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(scripts[r.URL.Path]))
		case r.URL.Path == "/big.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bigGz)
		case r.URL.Path == "/app.css":
			w.Header().Set("Content-Type", "text/css")
			_, _ = w.Write([]byte("body { margin: 2rem; }\n"))
		case r.URL.Path == "/pixel.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			_, _ = w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>`))
		case r.URL.Path == "/file.txt":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Disposition", `attachment; filename="export.txt"`)
			_, _ = w.Write([]byte("exported\n"))
		case r.URL.Path == "/login":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret", Path: "/", HttpOnly: true})
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><title>In</title></head><body><main><h1>Signed in</h1></main></body></html>`))
		default:
			http.NotFound(w, r)
		}
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestBrowserHarness(t *testing.T) {
	s := serve(t)
	b := Start(t)

	t.Run("click, fill and select change the DOM", func(t *testing.T) {
		p := b.NewPage(t)
		p.Go(s.URL + "/form")
		p.WaitVisible("#banner")
		p.Click("#add")
		p.Click("#add")
		p.WaitText("#list", "item 2")
		if n := p.Count("#list li"); n != 2 {
			t.Errorf("%d items after two clicks, want 2", n)
		}
		p.WaitGone("#banner")
		p.Fill("#name", "Ada")
		if got := p.Text("#echo"); got != "#name=Ada" {
			t.Errorf("echo after filling the input = %q, want #name=Ada (old value cleared)", got)
		}
		p.Fill("#notes", "line")
		p.WaitText("#echo", "#notes=line")
		p.Select("#color", "blue")
		p.WaitText("#echo", "#color=blue")
		if p.Exists("#nothing") || !p.Exists("#add") {
			t.Error("Exists disagrees with the page")
		}
		var value string
		p.Eval(`document.querySelector("#name").value`, &value)
		if value != "Ada" {
			t.Errorf("input value %q, want Ada", value)
		}
		if got := p.URL(); got != s.URL+"/form" {
			t.Errorf("URL %q", got)
		}
		p.Click("#copy")
		if got := p.Clipboard(); got != "copied text" {
			t.Errorf("clipboard %q, want the copied text", got)
		}
		if errs := p.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors on a clean page: %q", errs)
		}
		if v := p.CSPViolations(); len(v) > 0 {
			t.Errorf("CSP violations on a clean page: %q", v)
		}
	})

	t.Run("axe reports serious violations on a strict-CSP page, none on a clean one", func(t *testing.T) {
		p := b.NewPage(t)
		p.Go(s.URL + "/bad")
		ids := map[string]bool{}
		for _, v := range p.Axe() {
			ids[v.ID] = true
			if v.Impact != "serious" && v.Impact != "critical" || len(v.Nodes) == 0 || v.Help == "" {
				t.Errorf("violation %v: want serious or critical, with its help and nodes", v)
			}
		}
		if !ids["image-alt"] || !ids["button-name"] {
			t.Errorf("violations %v, want image-alt and button-name", ids)
		}
		p.Go(s.URL + "/clean")
		p.NoSeriousAxe(t)
		if v := p.CSPViolations(); len(v) > 0 {
			t.Errorf("injecting axe-core caused CSP violations: %q", v)
		}
	})

	t.Run("an inline script is blocked and reported", func(t *testing.T) {
		p := b.NewPage(t)
		p.Go(s.URL + "/inline")
		v := p.CSPViolations()
		if len(v) != 1 || !strings.HasPrefix(v[0], "script-src-elem blocked inline") {
			t.Errorf("CSP violations %q, want the inline script's", v)
		}
		var title string
		p.Eval(`document.title`, &title)
		if title != "Test page" {
			t.Errorf("title %q: the inline script ran", title)
		}
	})

	t.Run("dialogs, console errors and exceptions are recorded", func(t *testing.T) {
		p := b.NewPage(t)
		p.Go(s.URL + "/canary")
		p.WaitText("h1", "Canary") // the alert did not block the page
		if d := p.Dialogs(); !slices.Equal(d, []string{"alert: canary"}) {
			t.Errorf("dialogs %q, want the canary's alert", d)
		}
		errs := p.ConsoleErrors()
		if len(errs) != 2 || errs[0] != "logged 42" || !strings.Contains(errs[1], "uncaught boom") {
			t.Errorf("console errors %q, want console.error's and the uncaught exception", errs)
		}
	})

	t.Run("transferred counts compressed bytes", func(t *testing.T) {
		p := b.NewPage(t)
		p.Go(s.URL + "/weight")
		js, css := p.Transferred()
		gz := int64(len(gzipped(t, bigScript)))
		// The compressed body plus response headers (well under 1 KiB), far below the
		// decoded script's size.
		if js < gz || js > gz+1024 || js > int64(len(bigScript))/10 {
			t.Errorf("script bytes %d, want %d (gzip) plus headers; decoded it is %d", js, gz, len(bigScript))
		}
		if css < 23 || css > 23+1024 {
			t.Errorf("stylesheet bytes %d, want its 23 bytes plus headers", css)
		}
	})

	t.Run("a new page has no cookies of another", func(t *testing.T) {
		p := b.NewPage(t)
		p.Go(s.URL + "/login")
		c := p.Cookies()
		if len(c) != 1 || c[0].Name != "session" || c[0].Value != "s3cret" {
			t.Fatalf("cookies after login: %v", c)
		}
		fresh := b.NewPage(t)
		fresh.Go(s.URL + "/clean")
		if c := fresh.Cookies(); len(c) != 0 {
			t.Errorf("a fresh page has cookies: %v", c)
		}
	})

	t.Run("keyboard: Tab moves the focus, Enter activates", func(t *testing.T) {
		p := b.NewPage(t)
		p.Go(s.URL + "/keys")
		p.Press("Tab")
		if f := p.Focused(); f != `button#one "One"` {
			t.Errorf("focus after Tab: %q", f)
		}
		p.Press("Tab")
		p.Press("Shift+Tab")
		p.Press("Tab")
		if f := p.Focused(); f != `button#two "Two"` {
			t.Errorf("focus after Tab, Tab, Shift+Tab, Tab: %q", f)
		}
		p.Press("Enter")
		p.WaitText("#out", "two pressed")
	})

	t.Run("a download lands in the directory", func(t *testing.T) {
		p := b.NewPage(t)
		dir := t.TempDir()
		p.DownloadTo(dir)
		p.Go(s.URL + "/form")
		p.Click("#download")
		path := p.WaitDownload()
		if filepath.Base(path) != "export.txt" {
			t.Errorf("downloaded %s, want export.txt", path)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "exported\n" {
			t.Errorf("download content %q, %v", b, err)
		}
	})

	t.Run("a screenshot is a PNG in the screenshot directory", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("TENANTRY_SCREENSHOT_DIR", dir)
		p := b.NewPage(t)
		p.Go(s.URL + "/form")
		path := p.Screenshot("harness-form")
		if path != filepath.Join(dir, "harness-form.png") {
			t.Errorf("screenshot at %s, want it in %s", path, dir)
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 1000 {
			t.Errorf("screenshot is not a PNG (%d bytes, %v)", len(b), err)
		}
	})
}
