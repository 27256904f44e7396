package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestHelpGolden: `tenantry -h` and `tenantry <command> -h`, and that of every action of
// migrate and staff, exit 0, print to stdout only, start with the command's own usage line and
// match testdata/help/ (go test ./cmd/tenantry -run HelpGolden -update rewrites them after a
// deliberate change). `tenantry help <command>` prints the same text.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	cases := [][]string{{"-h"}}
	for _, c := range commands() {
		cases = append(cases, []string{c.name, "-h"})
	}
	for _, a := range migrateActions {
		cases = append(cases, []string{"migrate", a.name, "-h"})
	}
	for _, a := range staffActions {
		cases = append(cases, []string{"staff", a.name, "-h"})
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "help", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(goldens) != len(cases) && !*update {
		t.Errorf("%d help goldens for %d help texts: remove the stale ones", len(goldens), len(cases))
	}
	none := func(string) string { return "" }
	for _, args := range cases {
		var out, errOut bytes.Buffer
		err := run(t.Context(), args, none, &out, &errOut)
		name := strings.Join(args[:len(args)-1], "-")
		if name == "" {
			name = "tenantry"
		}
		if err != nil || errOut.Len() > 0 || out.Len() == 0 {
			t.Errorf("%v: err %v, stderr %q, stdout %d bytes", args, err, errOut.String(), out.Len())
			continue
		}
		if want := "Usage: tenantry " + strings.Join(args[:len(args)-1], " "); name != "tenantry" && !strings.HasPrefix(out.String(), want) {
			t.Errorf("%v: help starts %q, want %q", args, firstLine(out.String()), want)
		}
		golden := filepath.Join("testdata", "help", name+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%v: %v (run with -update)", args, err)
			continue
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%v: help differs from %s (run with -update after a deliberate change):\n%s", args, golden, out.String())
		}
		if name != "tenantry" {
			var viaHelp bytes.Buffer
			if err := run(t.Context(), append([]string{"help"}, args[:len(args)-1]...), none, &viaHelp, &errOut); err != nil || !bytes.Equal(viaHelp.Bytes(), out.Bytes()) {
				t.Errorf("tenantry help %v differs from %v (err %v)", args[:len(args)-1], args, err)
			}
		}
	}
}

// TestHelpListsOnlyWhatACommandReads: the client tools do not list the server's variables.
func TestHelpListsOnlyWhatACommandReads(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	for _, c := range []string{"simulate", "probe", "smoke", "version"} {
		var out bytes.Buffer
		if err := run(t.Context(), []string{c, "-h"}, none, &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"DATABASE_URL", "TENANTRY_JWT_KEY", "TENANTRY_RATE_LIMITS"} {
			if strings.Contains(out.String(), v) {
				t.Errorf("%s -h lists %s, which it does not read", c, v)
			}
		}
	}
}

// TestVersionStamped: the version and revision make release stamps with -ldflags -X come first;
// without a stamped revision, the one the Go toolchain recorded.
func TestVersionStamped(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-12-05T21:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	for _, c := range []struct{ version, revision, want string }{
		{"1.4.0", "fedcba9876", "tenantry 1.4.0 (revision fedcba9876 (modified), 2026-12-05T21:00:00Z, go1.26.0)"},
		{"dev", "", "tenantry dev (revision 0123abc (modified), 2026-12-05T21:00:00Z, go1.26.0)"},
	} {
		if got := formatVersion(c.version, c.revision, info); got != c.want {
			t.Errorf("formatVersion(%q, %q) = %q, want %q", c.version, c.revision, got, c.want)
		}
	}
	if got := formatVersion("1.4.0", "fedcba9876", &debug.BuildInfo{GoVersion: "go1.26.0"}); got != "tenantry 1.4.0 (revision fedcba9876, go1.26.0)" {
		t.Errorf("built with -buildvcs=false: %q", got)
	}
}

// TestVersion: `version` and `--version` print the same line, naming the Go version.
func TestVersion(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	var a, b bytes.Buffer
	if err := run(t.Context(), []string{"version"}, none, &a, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"--version"}, none, &b, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() || !strings.HasPrefix(a.String(), "tenantry ") || !strings.Contains(a.String(), "go1.") {
		t.Errorf("version %q, --version %q", a.String(), b.String())
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestLogDurationsInMilliseconds: a duration attribute is logged as <key>_ms, in milliseconds.
func TestLogDurationsInMilliseconds(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	newLogger(&buf, 0).Info("stopped", "elapsed", 1500*time.Microsecond, "drain_delay", 5*time.Second)
	if got := buf.String(); !strings.Contains(got, `"elapsed_ms":1.5`) || !strings.Contains(got, `"drain_delay_ms":5000`) {
		t.Errorf("log line: %s", got)
	}
}
