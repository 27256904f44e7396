package console_test

import (
	"encoding/json"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/browser"
)

// canary is typed into user-editable fields: shown as text it is harmless; run as markup it sets
// window.__xss.
const canary = `<script>window.__xss=1</script><img src=x onerror="window.__xss=1">`

// inert checks that no canary ran and the page's main area shows it as typed.
func inert(t *testing.T, p *browser.Page, where string) {
	t.Helper()
	p.WaitText("main", canary)
	noCanaryRan(t, p, where)
}

// noCanaryRan checks that no canary ran — no flag, no dialog, no element made of one — and that
// the page logged no error and broke no rule of its Content-Security-Policy.
func noCanaryRan(t *testing.T, p *browser.Page, where string) {
	t.Helper()
	var xss bool
	p.Eval(`window.__xss !== undefined`, &xss)
	if xss {
		t.Errorf("%s: a canary ran", where)
	}
	if d := p.Dialogs(); len(d) > 0 {
		t.Errorf("%s: dialogs %v", where, d)
	}
	if n := p.Count(`main img, main script, img[src="x"], [onerror]`); n > 0 {
		t.Errorf("%s: the canary became %d elements", where, n)
	}
	if e := p.ConsoleErrors(); len(e) > 0 {
		t.Errorf("%s: console errors %q", where, e)
	}
	if c := p.CSPViolations(); len(c) > 0 {
		t.Errorf("%s: CSP violations %q", where, c)
	}
}

// jsString is s as a JavaScript string literal, for scripts the tests evaluate in the page.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
