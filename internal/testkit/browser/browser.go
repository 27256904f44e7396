package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium is the browser the tests drive: Debian's package, which scripts/deps.sh installs.
const Chromium = "/usr/bin/chromium"

// Timeout bounds each step of a page (a navigation, a wait, a click) unless Page.Timeout says
// otherwise.
const Timeout = 10 * time.Second

// Browser is one headless Chromium, closed when the test that started it ends.
type Browser struct {
	ctx context.Context // the browser's first context: pages are its children
}

// Start launches Chromium with a fresh profile in a temporary directory and closes it at the
// end of the test. The flags keep it off the network (this machine's is closed) and out of the
// sandbox (the tests may run as root).
func Start(t testing.TB) *Browser {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		t.Fatalf("browser: %s is missing: run scripts/deps.sh (make deps) to install Debian's chromium", Chromium)
	}
	profile := t.TempDir() // removed after the browser is closed below (cleanups run last first)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := firstDo(ctx, 30*time.Second); err != nil {
		t.Fatalf("browser: starting %s: %v", Chromium, err)
	}
	return &Browser{ctx: ctx}
}

// firstDo runs the first action on a chromedp context, which starts its browser or opens its
// tab. That first run binds the browser's or the tab's life to the context it is given, so it
// gets ctx itself, and the timeout is kept here instead of in a derived context.
func firstDo(ctx context.Context, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no answer within %s", timeout)
	}
}

// NewPage opens a tab in a new incognito browser context: its own cookies, storage and cache,
// as a fresh browser without a login would have. The context is disposed of at the end of the
// test. Clipboard access is granted and the page is emulated as focused, so a copy button and
// Clipboard work headless.
func (b *Browser) NewPage(t testing.TB) *Page {
	t.Helper()
	p := &Page{t: t, Timeout: Timeout, requests: map[string]string{}}
	ctx, cancel := chromedp.NewContext(b.ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(p.observe),
	)
	p.ctx = ctx
	t.Cleanup(cancel)
	if err := firstDo(ctx, Timeout); err != nil {
		t.Fatalf("browser: opening a page: %v", err)
	}
	p.step("setting up a page", func(ctx context.Context) error {
		id := chromedp.FromContext(ctx).BrowserContextID
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
				Permission:       &browser.PermissionDescriptor{Name: name},
				Setting:          browser.PermissionSettingGranted,
				BrowserContextID: id,
			}); err != nil {
				return fmt.Errorf("granting %s: %w", name, err)
			}
		}
		if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			return err
		}
		if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: cspBinding}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener})
		return err
	})
	p.browserContext = string(chromedp.FromContext(ctx).BrowserContextID)
	return p
}

// ScreenshotDir is where Screenshot writes: $TENANTRY_SCREENSHOT_DIR when set (`make
// screenshots` sets docs/screenshots), else tenantry-screenshots under the temporary directory.
func ScreenshotDir() string {
	if dir := os.Getenv("TENANTRY_SCREENSHOT_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "tenantry-screenshots")
}

// moduleRoot is the directory of the module's go.mod, found upwards from the working directory
// (a package's directory under go test).
var moduleRoot = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
})
