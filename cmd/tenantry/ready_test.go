package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/pgcluster"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// TestReadinessFollowsTheDatabase stops the server's database under it: readiness turns 503 while
// liveness stays 200, and readiness recovers by itself when the database is back.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	root, err := os.MkdirTemp("", "tenantry-ready-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil { // the postgres OS user must traverse it
		t.Fatal(err)
	}
	opts := pgcluster.Options{Dir: filepath.Join(root, "pg"), Logger: slog.New(slog.DiscardHandler)}
	c, err := pgcluster.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if err := postgres.Bootstrap(t.Context(), c.DSN("postgres", "postgres"), "tenantry"); err != nil {
		t.Fatal(err)
	}
	if err := app.MigrateUp(t.Context(), c.DSN(postgres.OwnerRole, "tenantry"), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	env := testenv.DB{AppURL: c.DSN(postgres.AppRole, "tenantry"), SystemURL: c.DSN(postgres.SystemRole, "tenantry")}
	db := env.Open(t, 2)
	a, err := newApp(testConfig(t, env), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	status := func(path string) int {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			return -1
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := status("/health/ready"); st != 200 {
		t.Fatalf("ready with the database up: %d", st)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	apitest.WaitFor(t, "readiness 503 with the database down", func() bool { return status("/health/ready") == 503 })
	if st := status("/health/live"); st != 200 {
		t.Errorf("liveness with the database down: %d", st)
	}
	c2, err := pgcluster.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c2.Stop() })
	apitest.WaitFor(t, "readiness to recover", func() bool { return status("/health/ready") == 200 })
}
