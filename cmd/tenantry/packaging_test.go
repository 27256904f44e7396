package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestPackagedEnvFileListsEveryVariable: the environment file the .deb installs
// (packaging/tenantry.env, /etc/tenantry/tenantry.env) names every variable `serve` reads, set or
// commented out, and nothing it does not read; the unit reads that file and runs `serve`.
func TestPackagedEnvFileListsEveryVariable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../packaging/tenantry.env")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#?([A-Z][A-Z0-9_]*)=`).FindAllStringSubmatch(string(b), -1) {
		listed[m[1]] = true
	}
	known := map[string]bool{}
	for _, v := range vars {
		known[v.name] = true
		if !listed[v.name] {
			t.Errorf("packaging/tenantry.env does not list %s (add it, commented out with its default: #%s=%s)", v.name, v.name, v.def)
		}
	}
	for name := range listed {
		if !known[name] {
			t.Errorf("packaging/tenantry.env lists %s, which serve does not read", name)
		}
	}
	unit, err := os.ReadFile("../../packaging/tenantry.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"EnvironmentFile=/etc/tenantry/tenantry.env", "ExecStart=/usr/bin/tenantry serve", "User=tenantry"} {
		if !strings.Contains(string(unit), "\n"+line+"\n") {
			t.Errorf("packaging/tenantry.service lacks %q", line)
		}
	}
}
