package tenantlint_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tenantry/tenantry/internal/proof/tenantlint"
)

func TestCheckOwnedSQL(t *testing.T) {
	t.Parallel()
	tables := map[string]bool{"sessions": true, "shares": true, "flows": true}
	owners := map[string][]string{"sessions": {"user_id", "assigned_to"}, "shares": {"created_by"}}
	const missing = `table "sessions" is owner-only: its query needs s.user_id / assigned_to = $n (or an OR of owner columns) ` +
		`in the query itself, never fetched then compared; a statement over every user's rows says so with -- tenantlint:all-owners <reason>`
	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"owner predicate", `SELECT * FROM sessions s WHERE s.tenant_id = $1 AND s.id = $2 AND s.user_id = $3`, nil},
		{"param first, cast", `SELECT * FROM sessions s WHERE s.tenant_id = $1 AND $3::uuid = s.assigned_to`, nil},
		{"bare column, one table", `UPDATE shares SET name = $3 WHERE tenant_id = $1 AND created_by = $2`, nil},
		{"or of owner columns", `SELECT * FROM sessions s WHERE s.tenant_id = $1 AND (s.user_id = $2 OR s.assigned_to = $2)`, nil},
		{"fetched then compared", `SELECT * FROM sessions s WHERE s.tenant_id = $1 AND s.id = $2`, []string{missing}},
		{"or with a non-owner arm", `SELECT * FROM sessions s WHERE s.tenant_id = $1 AND (s.user_id = $2 OR s.id = $3)`, []string{missing}},
		{"owner compared with a column", `SELECT * FROM sessions s JOIN flows f ON f.tenant_id = s.tenant_id AND f.author_id = s.user_id WHERE s.tenant_id = $1`,
			[]string{missing}},
		{"owner column of another table", `SELECT * FROM sessions s JOIN shares sh ON sh.tenant_id = s.tenant_id WHERE s.tenant_id = $1 AND sh.created_by = $2`,
			[]string{missing}},
		{"subquery checked too", `SELECT * FROM flows f WHERE f.tenant_id = $1 AND EXISTS (SELECT 1 FROM sessions s WHERE s.tenant_id = f.tenant_id)`,
			[]string{missing}},
		{"delete", `DELETE FROM shares WHERE tenant_id = $1 AND id = $2`,
			[]string{`table "shares" is owner-only: its query needs shares.created_by = $n (or an OR of owner columns) in the query itself, ` +
				`never fetched then compared; a statement over every user's rows says so with -- tenantlint:all-owners <reason>`}},
		{"insert lists an owner", `INSERT INTO shares (tenant_id, id, created_by) VALUES ($1, $2, $3)`, nil},
		{"insert without owner", `INSERT INTO shares (tenant_id, id) VALUES ($1, $2)`,
			[]string{`INSERT into owner-only table "shares" lists none of its owner columns (created_by)`}},
		{"marked with a reason", "SELECT count(*) FROM sessions s -- tenantlint:all-owners the tenant's analytics\nWHERE s.tenant_id = $1", nil},
		{"marked without a reason", "SELECT count(*) FROM sessions s -- tenantlint:all-owners\nWHERE s.tenant_id = $1",
			[]string{"tenantlint:all-owners needs its reason on the same line"}},
		{"the mark does not lift the tenant rule", "SELECT count(*) FROM sessions s -- tenantlint:all-owners analytics\n",
			[]string{`table "sessions" (alias s) has no tenant_id = $n predicate`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tenantlint.CheckOwnedSQL(tt.sql, tables, owners)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("CheckOwnedSQL(%q)\n got  %q\n want %q", tt.sql, got, tt.want)
			}
		})
	}
}

func TestOwnerTablesFromComments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("001_a.sql", `-- +goose Up
CREATE TABLE sessions (tenant_id uuid, id uuid, user_id uuid, assigned_to uuid);
COMMENT ON TABLE sessions IS 'owner-only (user_id, assigned_to): a technician''s own';
COMMENT ON TABLE public.shares IS 'owner-only (created_by): links';
COMMENT ON TABLE flows IS 'flows are shared by visibility';
-- +goose Down
COMMENT ON TABLE flows IS 'owner-only (author_id): never applied';
`)
	b := write("002_b.sql", `-- +goose Up
COMMENT ON TABLE shares IS 'no longer owner-only';
`)
	got, err := tenantlint.OwnerTables([]string{b, a})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !slices.Equal(got["sessions"], []string{"user_id", "assigned_to"}) {
		t.Errorf("owner tables = %v, want only sessions: [user_id assigned_to]", got)
	}
}
