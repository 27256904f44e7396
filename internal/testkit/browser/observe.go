package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// cspBinding is the function (a DevTools binding, Runtime.addBinding) through which the
// document's securitypolicyviolation listener reports to observe.
const cspBinding = "__tenantryCSPViolation"

// cspListener runs in every new document of the page before the page's own scripts (DevTools
// adds it, so the page's CSP does not block it).
const cspListener = `document.addEventListener("securitypolicyviolation", (e) => {
	const where = e.sourceFile ? " at " + e.sourceFile + ":" + e.lineNumber : "";
	` + cspBinding + `(e.effectiveDirective + " blocked " + (e.blockedURI || "?") + where);
}, true);`

// observe records the tab's events that the accessors below report. It runs in the tab's event
// loop, so it returns at once and sends no command itself.
func (p *Page) observe(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			args := make([]string, len(ev.Args))
			for i, a := range ev.Args {
				args[i] = describe(a)
			}
			p.consoleErrors = append(p.consoleErrors, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		p.consoleErrors = append(p.consoleErrors, text)
	case *runtime.EventBindingCalled:
		if ev.Name == cspBinding {
			p.csp = append(p.csp, ev.Payload)
		}
	case *page.EventJavascriptDialogOpening:
		p.dialogs = append(p.dialogs, fmt.Sprintf("%s: %s", ev.Type, ev.Message))
		go func() {
			ctx, cancel := context.WithTimeout(p.ctx, Timeout)
			defer cancel()
			// An error means the tab is gone, and with it the dialog.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeScript || ev.Type == network.ResourceTypeStylesheet {
			p.requests[string(ev.RequestID)] = string(ev.Type)
		}
	case *network.EventLoadingFinished:
		switch p.requests[string(ev.RequestID)] {
		case string(network.ResourceTypeScript):
			p.js += int64(ev.EncodedDataLength)
		case string(network.ResourceTypeStylesheet):
			p.css += int64(ev.EncodedDataLength)
		}
	}
}

// describe renders a console argument: a string as itself, anything else as DevTools shows it.
func describe(a *runtime.RemoteObject) string {
	var s string
	if a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil {
		return s
	}
	if a.Description != "" {
		return a.Description
	}
	return string(a.Value)
}

// settle lets the page run the tasks it has queued (a violation report, a late script) and,
// since a command's answer comes after the events sent before it, lets observe see their events.
func (p *Page) settle() {
	p.t.Helper()
	p.step("letting the page settle", func(ctx context.Context) error {
		return eval(ctx, `new Promise((r) => setTimeout(r, 50))`, nil)
	})
}

// ConsoleErrors are the console.error calls (their arguments joined by spaces) and uncaught
// exceptions of the page so far.
func (p *Page) ConsoleErrors() []string {
	p.t.Helper()
	p.settle()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.consoleErrors...)
}

// CSPViolations are the page's Content-Security-Policy violations so far, each as "directive
// blocked URI at file:line" (the URI is "inline" for an inline script or style).
func (p *Page) CSPViolations() []string {
	p.t.Helper()
	p.settle()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.csp...)
}

// Dialogs are the JavaScript dialogs the page opened so far, each as "type: message" ("alert:
// 1"). The page dismissed each at once.
func (p *Page) Dialogs() []string {
	p.t.Helper()
	p.settle()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// Transferred is how many bytes came over the network for the page's scripts and stylesheets
// since the page was opened: Chromium's encodedDataLength, the compressed body with the response
// headers. A response from the cache counts what the cache read cost on the wire: nothing.
func (p *Page) Transferred() (js, css int64) {
	p.t.Helper()
	p.settle()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.js, p.css
}
