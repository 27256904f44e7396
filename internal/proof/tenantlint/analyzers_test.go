package tenantlint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/tenantry/tenantry/internal/proof/tenantlint"
)

// testdataMigrations returns the absolute glob of the test migrations.
func testdataMigrations(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "*.sql")
}

// newTenantSQL returns tenantsql reading the test migrations.
func newTenantSQL(t *testing.T) *analysis.Analyzer {
	t.Helper()
	a := tenantlint.NewTenantSQL()
	if err := a.Flags.Set("migrations", testdataMigrations(t)); err != nil {
		t.Fatal(err)
	}
	return a
}

const mod = "github.com/tenantry/tenantry/"

func TestTenantSQL(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), newTenantSQL(t),
		mod+"internal/products/parking/...", mod+"internal/platform/identity", mod+"internal/postgres")
}

func TestRawDB(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), tenantlint.NewRawDB(),
		mod+"internal/billing", mod+"internal/postgres", mod+"internal/testkit/pgtest")
}

func TestRawDBAllowFlag(t *testing.T) {
	// With billing allowed, its pool use is no finding: run it on a package
	// without want comments for rawdb by allowing everything it flags.
	a := tenantlint.NewRawDB()
	if err := a.Flags.Set("allow", mod+"internal/billing"); err != nil {
		t.Fatal(err)
	}
	res := analysistest.Run(&quiet{t}, analysistest.TestData(), a, mod+"internal/billing", mod+"internal/postgres")
	for _, r := range res {
		if r.Pass.Pkg.Path() == mod+"internal/billing" && len(r.Diagnostics) != 0 {
			t.Errorf("billing allowed, still %d diagnostics", len(r.Diagnostics))
		}
		if r.Pass.Pkg.Path() == mod+"internal/postgres" && len(r.Diagnostics) == 0 {
			t.Errorf("postgres no longer allowed, but no diagnostics")
		}
	}
}

func TestCtxBG(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), tenantlint.NewCtxBG(),
		mod+"internal/httpapi", mod+"cmd/tenantry", mod+"internal/testkit/pgtest", mod+"internal/postgres")
}

// quiet is an analysistest.Testing that ignores unmet or unexpected "want"s,
// for tests that inspect the results themselves.
type quiet struct{ t *testing.T }

func (q *quiet) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "unexpected diagnostic") || strings.Contains(msg, "no diagnostic was reported") ||
		strings.Contains(msg, "expected diagnostic") {
		return
	}
	q.t.Errorf("%s", msg)
}

// recorder is an analysistest.Testing that keeps the errors.
type recorder struct{ errs []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// writeFiles writes files (path -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// moduleFiles is a small module whose tenant tables come from the default
// migrations glob; the testdata copy must be ignored.
var moduleFiles = map[string]string{
	"go.mod": "module example.com/app\n\ngo 1.26\n",
	"internal/store/migrations/001_init.sql": `-- +goose Up
CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, body text);
-- +goose Down
DROP TABLE notes;
`,
	"internal/store/testdata/migrations/001_fake.sql": "-- +goose Up\nCREATE TABLE secrets (tenant_id uuid);\n",
	"internal/store/store.go": `package store

import "context"

type Q struct{}

func (Q) Query(ctx context.Context, sql string, args ...any) error { return nil }

func List(ctx context.Context, q Q) {
	_ = q.Query(ctx, "SELECT body FROM notes WHERE tenant_id = $1", "t")
	_ = q.Query(ctx, "SELECT body FROM notes") // want ` + "`" + `table "notes" has no tenant_id` + "`" + `
	_ = q.Query(ctx, "SELECT * FROM secrets")
}
`,
}

func TestTenantSQLFindsModuleMigrations(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, moduleFiles)
	analysistest.Run(t, dir, tenantlint.NewTenantSQL(), "./...")
}

func TestTenantSQLNoMigrationsIsAnError(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, moduleFiles)
	a := tenantlint.NewTenantSQL()
	if err := a.Flags.Set("migrations", "db/*.sql"); err != nil {
		t.Fatal(err)
	}
	var r recorder
	analysistest.Run(&r, dir, a, "./...")
	if !strings.Contains(strings.Join(r.errs, "\n"), "no migration files match") {
		t.Errorf("errors = %q, want one about missing migrations", r.errs)
	}
}
