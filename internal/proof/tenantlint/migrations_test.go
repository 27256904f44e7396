package tenantlint_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tenantry/tenantry/internal/proof/tenantlint"
)

func TestTenantTablesFromGoose(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v %v", files, err)
	}
	tables, err := tenantlint.TenantTables(files)
	if err != nil {
		t.Fatal(err)
	}
	got := keys(tables)
	// sites: plain; spaces: schema-qualified inside StatementBegin/End;
	// audit_log: ALTER TABLE ADD COLUMN. Not: ghosts (Down section),
	// scratch (dropped), tenants and users (no tenant_id).
	want := []string{"audit_log", "bookings", "sites", "spaces"}
	if !slices.Equal(got, want) {
		t.Errorf("tenant tables = %v, want %v", got, want)
	}
}

func TestTenantTablesLaterMigrations(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Given out of order: files apply in name order.
	b := write("002_more.sql", `-- +goose Up
CREATE TABLE events (LIKE orders INCLUDING ALL);
CREATE TABLE orders_2026 PARTITION OF orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE orders RENAME TO purchases;
ALTER TABLE legacy RENAME COLUMN owner_tenant TO tenant_id;
ALTER TABLE notes DROP COLUMN tenant_id;
`)
	a := write("001_init.sql", `-- +goose Up
CREATE TABLE orders (tenant_id uuid NOT NULL, id uuid NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE legacy (owner_tenant uuid);
CREATE TABLE notes (tenant_id uuid);
`)
	tables, err := tenantlint.TenantTables([]string{b, a})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"events", "legacy", "orders_2026", "purchases"}
	if got := keys(tables); !slices.Equal(got, want) {
		t.Errorf("tenant tables = %v, want %v", got, want)
	}
}

func TestTenantTablesParseError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "001_bad.sql")
	if err := os.WriteFile(p, []byte("-- +goose Up\nCREATE TABEL x (tenant_id uuid);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tenantlint.TenantTables([]string{p}); err == nil {
		t.Fatal("want a parse error")
	}
}

func TestMigrationFilesDefaultGlob(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"go.mod",
		"internal/postgres/migrations/00001_init.sql",
		"internal/products/parking/store/migrations/00002_parking.sql",
		"internal/products/parking/store/migrations/README.md",
		"internal/proof/tenantlint/testdata/migrations/00001_fake.sql",
		"internal/.hidden/migrations/00001_hidden.sql",
		"migrations/00001_top.sql",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := tenantlint.FindModuleRoot(filepath.Join(dir, "internal", "parking", "store"))
	if root != dir {
		t.Fatalf("module root = %q, want %q", root, dir)
	}
	files, err := tenantlint.MigrationFiles(root, []string{tenantlint.DefaultMigrations})
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range files {
		r, _ := filepath.Rel(dir, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	want := []string{
		"internal/postgres/migrations/00001_init.sql",
		"internal/products/parking/store/migrations/00002_parking.sql",
	}
	if !slices.Equal(rel, want) {
		t.Errorf("files = %v, want %v", rel, want)
	}
}

// keys returns the sorted keys of a set.
func keys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
