package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Page is one tab in a browser context of its own (Browser.NewPage). Its methods belong to the
// test's goroutine: they fail the test (t.Fatal) on an error or after Timeout.
type Page struct {
	// Timeout bounds each step; NewPage sets it to the package's Timeout.
	Timeout time.Duration

	t              testing.TB
	ctx            context.Context
	browserContext string
	downloads      string              // DownloadTo's directory
	before         map[string]struct{} // the files in it when DownloadTo was called

	mu            sync.Mutex // guards what observe records (it runs in the tab's event loop)
	requests      map[string]string
	js, css       int64
	consoleErrors []string
	csp           []string
	dialogs       []string
}

// step runs f with the page's context bounded by Timeout, failing the test with what was being
// done when f fails.
func (p *Page) step(what string, f func(ctx context.Context) error) {
	p.t.Helper()
	p.stepWithin(p.Timeout, what, f)
}

// stepWithin is step with a timeout of its own (for a step known to be slow).
func (p *Page) stepWithin(timeout time.Duration, what string, f func(ctx context.Context) error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	if err := f(ctx); err != nil {
		if ctx.Err() != nil {
			p.t.Fatalf("browser: %s: not done within %s (%v)", what, timeout, err)
		}
		p.t.Fatalf("browser: %s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page (DevTools evaluation: the page's CSP does
// not apply), awaits a promise it returns and decodes the JSON of the result into out (nil:
// ignored).
func eval(ctx context.Context, expression string, out any) error {
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expression, chromedp.EvalAwaitPromise, userGesture))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if len(raw) == 0 {
		raw = []byte("null")
	}
	return json.Unmarshal(raw, out)
}

// userGesture evaluates as if the user had just interacted with the page (the clipboard and
// other gated APIs require it).
func userGesture(p *runtime.EvaluateParams) { p.UserGesture = new(true) }

// call evaluates the JavaScript function fn with the JSON of args as its arguments.
func call(ctx context.Context, fn string, out any, args ...any) error {
	encoded := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		encoded[i] = string(b)
	}
	return eval(ctx, "("+fn+")("+strings.Join(encoded, ", ")+")", out)
}

// waitFor calls the predicate fn with args every 50 ms until it returns true.
func waitFor(ctx context.Context, fn string, args ...any) error {
	for {
		var ok bool
		if err := call(ctx, fn, &ok, args...); err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// visible is true when the first match of sel is rendered and not hidden.
const visible = `(sel) => {
	const e = document.querySelector(sel);
	if (!e) return false;
	const s = getComputedStyle(e);
	return s.display !== "none" && s.visibility !== "hidden" && e.getClientRects().length > 0;
}`

// Go navigates to url and waits for the load event.
func (p *Page) Go(url string) {
	p.t.Helper()
	p.step("going to "+url, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.Navigate(url))
	})
}

// WaitVisible waits until the first match of sel is rendered and not hidden.
func (p *Page) WaitVisible(sel string) {
	p.t.Helper()
	p.step("waiting for "+sel+" to be visible", func(ctx context.Context) error {
		return waitFor(ctx, visible, sel)
	})
}

// WaitGone waits until nothing matches sel or its first match is not visible.
func (p *Page) WaitGone(sel string) {
	p.t.Helper()
	p.step("waiting for "+sel+" to go", func(ctx context.Context) error {
		return waitFor(ctx, "(sel) => !("+visible+")(sel)", sel)
	})
}

// WaitText waits until the text content of the first match of sel contains substr.
func (p *Page) WaitText(sel, substr string) {
	p.t.Helper()
	p.step(fmt.Sprintf("waiting for %s to contain %q", sel, substr), func(ctx context.Context) error {
		err := waitFor(ctx, `(sel, s) => { const e = document.querySelector(sel); return !!e && e.textContent.includes(s); }`, sel, substr)
		if err != nil && ctx.Err() != nil {
			var now string
			last, cancel := context.WithTimeout(p.ctx, time.Second)
			defer cancel()
			if call(last, `(sel) => { const e = document.querySelector(sel); return e ? e.textContent : "(no match)"; }`, &now, sel) == nil {
				return fmt.Errorf("%w; its text is %q", err, now)
			}
		}
		return err
	})
}

// Click clicks the middle of the first match of sel with the mouse, once it is visible.
func (p *Page) Click(sel string) {
	p.t.Helper()
	p.step("clicking "+sel, func(ctx context.Context) error {
		if err := waitFor(ctx, visible, sel); err != nil {
			return err
		}
		return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	})
}

// Fill empties the input or textarea sel and types value into it, key by key, as a user would
// (the page sees input events).
func (p *Page) Fill(sel, value string) {
	p.t.Helper()
	p.step(fmt.Sprintf("filling %s with %q", sel, value), func(ctx context.Context) error {
		if err := waitFor(ctx, visible, sel); err != nil {
			return err
		}
		err := call(ctx, `(sel) => {
			const e = document.querySelector(sel);
			e.focus();
			e.value = "";
			e.dispatchEvent(new Event("input", {bubbles: true}));
		}`, nil, sel)
		if err != nil || value == "" {
			return err
		}
		return chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), value))
	})
}

// Select chooses the option with the given value in the select element sel, firing input and
// change as a user's choice would.
func (p *Page) Select(sel, value string) {
	p.t.Helper()
	p.step(fmt.Sprintf("selecting %q in %s", value, sel), func(ctx context.Context) error {
		if err := waitFor(ctx, visible, sel); err != nil {
			return err
		}
		var ok bool
		err := call(ctx, `(sel, v) => {
			const e = document.querySelector(sel);
			if (![...e.options].some((o) => o.value === v)) return false;
			e.focus();
			e.value = v;
			e.dispatchEvent(new Event("input", {bubbles: true}));
			e.dispatchEvent(new Event("change", {bubbles: true}));
			return true;
		}`, &ok, sel, value)
		if err == nil && !ok {
			err = errors.New("no such option")
		}
		return err
	})
}

// keys names the keys Press knows besides single characters.
var keys = map[string]string{
	"Enter": kb.Enter, "Tab": kb.Tab, "Escape": kb.Escape, "Backspace": kb.Backspace,
	"Delete": kb.Delete, "ArrowDown": kb.ArrowDown, "ArrowUp": kb.ArrowUp,
	"ArrowLeft": kb.ArrowLeft, "ArrowRight": kb.ArrowRight, "Home": kb.Home, "End": kb.End,
	"PageDown": kb.PageDown, "PageUp": kb.PageUp, "Space": " ",
}

// modifiers names the modifiers a key may carry: "Shift+Tab", "Ctrl+a".
var modifiers = map[string]chromedp.Modifier{
	"Shift": chromedp.ModifierShift, "Ctrl": chromedp.ModifierCtrl, "Alt": chromedp.ModifierAlt,
	"Meta": chromedp.ModifierMeta,
}

// Press presses a key on the focused element: a name from the DOM's KeyboardEvent.key ("Enter",
// "Tab", "Escape", "ArrowDown", ...) or one character (" " is the space bar), after modifiers
// joined with "+" ("Shift+Tab").
func (p *Page) Press(key string) {
	p.t.Helper()
	p.step("pressing "+key, func(ctx context.Context) error {
		var mods []chromedp.Modifier
		name := key
		for {
			mod, rest, ok := strings.Cut(name, "+")
			if !ok || rest == "" || modifiers[mod] == 0 {
				break
			}
			mods = append(mods, modifiers[mod])
			name = rest
		}
		k, ok := keys[name]
		if !ok {
			if len([]rune(name)) != 1 {
				return errors.New("unknown key name (see browser.keys)")
			}
			k = name
		}
		return chromedp.Do(ctx, chromedp.KeyEvent(k, chromedp.KeyModifiers(mods...)))
	})
}

// Focused describes the focused element as tag#id.class "text" (the text trimmed to 40
// characters; an input's value instead of text), "body" when nothing has the focus.
func (p *Page) Focused() string {
	p.t.Helper()
	var s string
	p.step("reading the focused element", func(ctx context.Context) error {
		return call(ctx, `() => {
			const e = document.activeElement;
			if (!e) return "";
			let s = e.tagName.toLowerCase();
			if (e.id) s += "#" + e.id;
			for (const c of e.classList) s += "." + c;
			const text = ("value" in e && e.tagName !== "BUTTON" ? e.value : e.textContent || "").trim().replace(/\s+/g, " ");
			if (text && e !== document.body) s += ' "' + text.slice(0, 40) + '"';
			return s;
		}`, &s)
	})
	return s
}

// Text is the text content of the first match of sel (trimmed), once something matches.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	var s string
	p.step("reading the text of "+sel, func(ctx context.Context) error {
		if err := waitFor(ctx, `(sel) => !!document.querySelector(sel)`, sel); err != nil {
			return err
		}
		return call(ctx, `(sel) => document.querySelector(sel).textContent.trim()`, &s, sel)
	})
	return s
}

// Count is how many elements match sel now.
func (p *Page) Count(sel string) int {
	p.t.Helper()
	var n int
	p.step("counting "+sel, func(ctx context.Context) error {
		return call(ctx, `(sel) => document.querySelectorAll(sel).length`, &n, sel)
	})
	return n
}

// Exists reports whether something matches sel now.
func (p *Page) Exists(sel string) bool {
	p.t.Helper()
	return p.Count(sel) > 0
}

// Eval evaluates a JavaScript expression in the page (awaiting a promise it returns) and
// decodes its JSON value into out, unless out is nil.
func (p *Page) Eval(js string, out any) {
	p.t.Helper()
	p.step("evaluating "+js, func(ctx context.Context) error {
		return eval(ctx, js, out)
	})
}

// URL is the page's current address.
func (p *Page) URL() string {
	p.t.Helper()
	var u string
	p.step("reading the URL", func(ctx context.Context) (err error) {
		u, err = chromedp.Run(ctx, chromedp.Location())
		return err
	})
	return u
}

// Cookies are every cookie of the page's browser context.
func (p *Page) Cookies() []*network.Cookie {
	p.t.Helper()
	var cookies []*network.Cookie
	p.step("reading the cookies", func(ctx context.Context) error {
		res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		cookies = res.Cookies
		return err
	})
	return cookies
}

// Screenshot saves a PNG of the whole page (beyond the viewport) as ScreenshotDir()/name
// (".png" added when missing) and returns its path.
func (p *Page) Screenshot(name string) string {
	p.t.Helper()
	if !strings.HasSuffix(name, ".png") {
		name += ".png"
	}
	path := filepath.Join(ScreenshotDir(), name)
	p.step("taking the screenshot "+path, func(ctx context.Context) error {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, png, 0o644)
	})
	return path
}

// DownloadTo lets the page's browser context download files, into dir. WaitDownload then waits
// for a new file there.
func (p *Page) DownloadTo(dir string) {
	p.t.Helper()
	p.step("allowing downloads to "+dir, func(ctx context.Context) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		p.downloads, p.before = dir, map[string]struct{}{}
		for _, e := range entries {
			p.before[e.Name()] = struct{}{}
		}
		_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior:         browser.SetDownloadBehaviorBehaviorAllow,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
			DownloadPath:     dir,
		})
		return err
	})
}

// WaitDownload waits for a complete file that was not in DownloadTo's directory before (one it
// has not returned yet) and returns its path.
func (p *Page) WaitDownload() string {
	p.t.Helper()
	if p.downloads == "" {
		p.t.Fatal("browser: WaitDownload without DownloadTo")
	}
	var path string
	p.step("waiting for a download in "+p.downloads, func(ctx context.Context) error {
		for {
			entries, err := os.ReadDir(p.downloads)
			if err != nil {
				return err
			}
			for _, e := range entries {
				name := e.Name()
				_, seen := p.before[name]
				if seen || !e.Type().IsRegular() || strings.HasSuffix(name, ".crdownload") || strings.HasPrefix(name, ".") {
					continue
				}
				p.before[name] = struct{}{}
				path = filepath.Join(p.downloads, name)
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	return path
}

// Clipboard is the text on the clipboard (the page's context may read it: NewPage grants it).
func (p *Page) Clipboard() string {
	p.t.Helper()
	var s string
	p.step("reading the clipboard", func(ctx context.Context) error {
		return eval(ctx, `navigator.clipboard.readText()`, &s)
	})
	return s
}
