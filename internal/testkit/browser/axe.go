package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// axeScript is the path of axe-core's script under the module root, installed by scripts/deps.sh
// (npm ci, pinned by tools/browser/package-lock.json).
const axeScript = "tools/browser/node_modules/axe-core/axe.min.js"

// axeSource is axe-core's script, read once per test binary.
var axeSource = sync.OnceValues(func() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(root, axeScript))
	if err != nil {
		return "", fmt.Errorf("%w: run scripts/deps.sh (make deps) to install axe-core", err)
	}
	return string(b), nil
})

// axeTimeout bounds one Axe run (injection and all rules): on a large page and a loaded machine
// it takes seconds.
const axeTimeout = 30 * time.Second

// Violation is one axe-core rule the page breaks, with the elements that break it.
type Violation struct {
	ID     string   `json:"id"`     // the rule, e.g. "image-alt"
	Impact string   `json:"impact"` // "serious" or "critical"
	Help   string   `json:"help"`   // what the rule asks for
	Nodes  []string `json:"nodes"`  // a CSS selector for each offending element
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s: %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
}

// axeRun runs axe-core on the whole document and keeps the serious and critical violations.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then((r) => r.violations
	.filter((v) => v.impact === "serious" || v.impact === "critical")
	.map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))})))`

// Axe checks the page as it is now with axe-core's rules and returns the serious and critical
// violations (within 30 s, or the page's Timeout if longer). axe-core is evaluated through
// DevTools, which the page's CSP does not restrict.
func (p *Page) Axe() []Violation {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatalf("browser: loading axe-core: %v", err)
	}
	var violations []Violation
	p.stepWithin(max(p.Timeout, axeTimeout), "running axe-core", func(ctx context.Context) error {
		var loaded bool
		if err := eval(ctx, `typeof axe === "object"`, &loaded); err != nil {
			return err
		}
		if !loaded {
			if err := eval(ctx, src, nil); err != nil {
				return fmt.Errorf("injecting %s: %w", axeScript, err)
			}
		}
		return eval(ctx, axeRun, &violations)
	})
	return violations
}

// NoSeriousAxe fails t, listing them, if axe-core finds serious or critical violations.
func (p *Page) NoSeriousAxe(t testing.TB) {
	t.Helper()
	if v := p.Axe(); len(v) > 0 {
		lines := make([]string, len(v))
		for i := range v {
			lines[i] = "\n\t" + v[i].String()
		}
		t.Errorf("axe-core: %d serious or critical violations:%s", len(v), strings.Join(lines, ""))
	}
}
