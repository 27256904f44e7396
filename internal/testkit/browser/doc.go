// Package browser drives a headless Chromium (Debian's /usr/bin/chromium, which scripts/deps.sh
// installs) for the console's browser tests, through chromedp. One Chromium per test, one fresh
// incognito browser context per page, so a page starts with no cookies and no storage:
//
//	b := browser.Start(t)
//	p := b.NewPage(t)
//	p.Go(s.URL + "/")
//	p.Fill("#email", "ana@example.com")
//	p.Press("Enter")
//	p.WaitText("h1", "Members")
//	p.NoSeriousAxe(t)
//	p.Screenshot("platform-members.png")
//
// Every method fails the test with a message naming the step when the browser answers with an
// error or the step takes longer than Timeout (10 s). Selectors are CSS selectors; the first match
// is used. From its creation a page records what the tests check besides the DOM: console errors
// and uncaught exceptions (ConsoleErrors), Content-Security-Policy violations (CSPViolations),
// JavaScript dialogs, which it dismisses (Dialogs; an XSS canary that calls alert shows up there),
// and the bytes of scripts and stylesheets on the wire (Transferred).
//
// Axe runs axe-core (tools/browser/node_modules, pinned by tools/browser/package-lock.json, also
// installed by scripts/deps.sh) in the page through DevTools evaluation, which the page's CSP
// does not restrict; it returns the serious and critical violations only.
//
// Screenshots go to ScreenshotDir(): $TENANTRY_SCREENSHOT_DIR (`make screenshots` sets
// docs/screenshots) or tenantry-screenshots under the temporary directory.
package browser
