package flows_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestDocsWalkthrough runs the ```sh blocks of docs/flows.md, in order, in one
// `bash -euo pipefail` with BASE pointing at a test server, with the real curl and jq: the
// walk-through works verbatim, and every request in it succeeds (curl -f fails on any non-2xx).
func TestDocsWalkthrough(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("docs/flows.md needs %s (make deps installs it): %v", tool, err)
		}
	}
	script := shellBlocks(t, "../../../docs/flows.md")
	s := apitest.StartWith(t, apitest.Options{Background: true}) // the mail worker writes the verification link
	cmd := exec.CommandContext(t.Context(), "bash", "-euo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "BASE="+s.URL, "MAIL_DIR="+filepath.Join(s.Config.DataDir, "mail"))
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walk-through failed: %v\n%s", err, out)
	}
	for _, want := range []string{`"version": 1`, "# Outlook does not start", "T-1042", "Removed the PDF add-in",
		`"has_scratchpad": false`, `"view_count":1`, `"completion_rate":1`,
		"ping 10.0.0.1: request timed out"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the walk-through's output lacks %q:\n%s", want, out)
		}
	}
	if n := s.Count(`SELECT count(*) FROM flow_sessions WHERE ticket_number = 'T-1042' AND status = 'completed' AND outcome = 'resolved'`); n != 1 {
		t.Errorf("%d completed sessions for T-1042, want 1", n)
	}
	if n := s.Count(`SELECT count(*) FROM flow_session_share_views WHERE viewer_id IS NULL`); n != 1 {
		t.Errorf("%d anonymous views of the share link, want 1", n)
	}
}

// shellBlocks returns the ```sh blocks of a Markdown file, in order, as one script.
func shellBlocks(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var script strings.Builder
	in, blocks := false, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && line == "```sh":
			in, blocks = true, blocks+1
		case in && line == "```":
			in = false
		case in:
			script.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if in || blocks < 5 {
		t.Fatalf("%s: %d shell blocks (the last one open: %v)", path, blocks, in)
	}
	return script.String()
}
