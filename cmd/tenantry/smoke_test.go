package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestSmoke runs `tenantry smoke` against the assembled service, whose background workers deliver
// mail to the development mail directory: every line passes, none is skipped, and the output (not
// a terminal) carries no colour codes.
func TestSmoke(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true})
	var out, errOut bytes.Buffer
	args := []string{"smoke", "--url", s.URL, "--mail-dir", filepath.Join(s.Config.DataDir, "mail")}
	err := run(t.Context(), args, func(string) string { return "" }, &out, &errOut)
	if err != nil || strings.Contains(out.String(), "FAIL") || strings.Contains(out.String(), "SKIP") {
		t.Fatalf("smoke: %v\n%s%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"PASS  health /health/ready", "PASS  register tenant B", "PASS  B gets 404 for A's member",
		"PASS  B gets 404 for A's flow, identical to a random id's", "PASS  A's other member reads A's flow but gets 404 for A's session",
		"PASS  the account share without signing in: 401", "PASS  the public share opens without signing in",
		"PASS  the revoked share answers 404"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("smoke output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colour codes in output that is not a terminal:\n%q", out.String())
	}
	t.Log("\n" + out.String())
}

// TestSmokeFails: a server that does not answer as Tenantry does gives FAIL lines and a non-zero
// exit.
func TestSmokeFails(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"smoke", "--url", srv.URL}, func(string) string { return "" }, &out, &errOut)
	if !errors.Is(err, errSilent) || !strings.Contains(out.String(), "FAIL  health /health/live") {
		t.Fatalf("smoke against a 404 server: %v\n%s", err, out.String())
	}
	if err := run(t.Context(), []string{"smoke"}, func(string) string { return "" }, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("smoke without --url: %v", err)
	}
}

func TestColorful(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if colorful(&buf, func(string) string { return "" }) {
		t.Error("a buffer is not a terminal")
	}
	if colorful(os.Stdout, func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }) {
		t.Error("NO_COLOR is set")
	}
}
