package bench

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHarnessEndToEnd runs the whole harness on a tiny data set: its private cluster, the real
// server binary, the loader through the application role, every scenario with every response
// checked for its tenant, both pgbench baselines and the report. It proves that the instrument
// works from a clean checkout; the figures of so short a run mean nothing and are not looked at.
func TestHarnessEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and starts a cluster")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "tenantry")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "../../cmd/tenantry")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := DefaultConfig()
	cfg.Tenants, cfg.FewTenants, cfg.Reservations, cfg.Flows, cfg.FlowSessions = 20, 2, 4, 500, 200
	cfg.StreamSubscribers, cfg.StreamTenants = 40, 4
	cfg.Duration, cfg.Warmup, cfg.Rounds = time.Second, 0, 1
	cfg.Settings["shared_buffers"] = "32MB"
	cfg.Root, cfg.Server, cfg.ResultsDir = "../..", bin, t.TempDir()
	cfg.Command = t.Name()
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	if err := Run(t.Context(), cfg, log, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	saved, _ := filepath.Glob(filepath.Join(cfg.ResultsDir, "*.json"))
	if len(saved) != 1 {
		t.Fatalf("%d reports saved, want 1", len(saved))
	}
	raw, err := os.ReadFile(saved[0])
	if err != nil {
		t.Fatal(err)
	}
	var f figures
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	for _, sc := range Scenarios {
		got, ok := f.Scenarios[sc]
		switch {
		case !ok:
			t.Errorf("%s: not in the report", sc)
		case got["rps"] <= 0 || got["errors"] != 0:
			t.Errorf("%s: %.0f req/s, %.0f errors", sc, got["rps"], got["errors"])
		}
	}
	if len(f.Ratios) != 9 {
		t.Errorf("%d ratios, want 9: %+v", len(f.Ratios), f.Ratios)
	}
	if !strings.Contains(out.String(), "| figure | measured | target | met |") {
		t.Errorf("no ratios table in the printed report:\n%s", out.String())
	}
}

// testWriter sends the harness's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
