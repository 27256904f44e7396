// Package testenv is the test environment every package with database tests uses: one throwaway
// PostgreSQL cluster per test package (pgtest) with Tenantry's three roles, a template database
// migrated with every package's migrations, and a fresh clone of it per test.
//
// Tests connect as the application role, like the service does; the owner and superuser URLs are
// there for the few tests that must change the schema or look under RLS to prove a point.
package testenv

import (
	"context"
	"testing"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/pgcluster"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/testkit/pgtest"
)

const template = "tenantry_template"

// Main runs the package's tests with a migrated cluster. Call it from TestMain.
func Main(m *testing.M) {
	pgtest.Main(m, pgtest.Options{Prepare: prepare})
}

func prepare(ctx context.Context, c *pgcluster.Cluster) (string, error) {
	if err := postgres.Bootstrap(ctx, c.DSN("postgres", "postgres"), template); err != nil {
		return "", err
	}
	m, err := postgres.NewMigrator(ctx, c.DSN(postgres.OwnerRole, template), app.Migrations()...)
	if err != nil {
		return "", err
	}
	defer m.Close()
	if _, err := m.Up(ctx); err != nil {
		return "", err
	}
	return template, nil
}

// DB is one test's database.
type DB struct {
	Name      string
	AppURL    string // the application role: what the service uses
	SystemURL string // the system role: registered cross-tenant queries only
	OwnerURL  string // the owner role: schema changes
	SuperURL  string // the superuser: only to look under RLS in assertions
}

// NewDB returns a fresh migrated database for t, dropped when t ends.
func NewDB(t testing.TB) DB {
	t.Helper()
	name := pgtest.NewDB(t)
	c := pgtest.Cluster()
	return DB{
		Name: name, AppURL: c.DSN(postgres.AppRole, name), SystemURL: c.DSN(postgres.SystemRole, name),
		OwnerURL: c.DSN(postgres.OwnerRole, name), SuperURL: c.DSN("postgres", name),
	}
}

// Open opens the service's database handle (application and system pools) on d, closed when t ends.
func (d DB) Open(t testing.TB, maxConns int32) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), postgres.Config{AppURL: d.AppURL, SystemURL: d.SystemURL, MaxConns: maxConns})
	if err != nil {
		t.Fatalf("testenv: open: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}
