package tenantlint_test

import (
	"slices"
	"testing"

	"github.com/tenantry/tenantry/internal/proof/tenantlint"
)

func TestCheckSQL(t *testing.T) {
	t.Parallel()
	tables := map[string]bool{"spaces": true, "bookings": true, "sites": true}
	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"bound", `SELECT * FROM spaces WHERE tenant_id = $1`, nil},
		{"param first", `SELECT * FROM spaces s WHERE $1 = s.tenant_id`, nil},
		{"not equality", `SELECT * FROM spaces WHERE tenant_id <> $1`,
			[]string{`table "spaces" has no tenant_id = $n predicate`}},
		{"no where", `SELECT count(*) FROM bookings`, []string{`table "bookings" has no tenant_id = $n predicate`}},
		{"right join binds left side by ON", `SELECT 1 FROM spaces s RIGHT JOIN bookings b ON s.tenant_id = $1 WHERE b.tenant_id = $1`, nil},
		{"right join ON does not bind preserved side",
			`SELECT 1 FROM spaces s RIGHT JOIN bookings b ON s.tenant_id = $1 AND b.tenant_id = $1`,
			[]string{`table "bookings" (alias b) has no tenant_id = $n predicate`}},
		{"full join ON binds nothing",
			`SELECT 1 FROM spaces s FULL JOIN bookings b ON s.tenant_id = $1 AND b.tenant_id = $1`,
			[]string{`table "spaces" (alias s) has no tenant_id = $n predicate`, `table "bookings" (alias b) has no tenant_id = $n predicate`}},
		{"nested joins chain",
			`SELECT 1 FROM sites si JOIN spaces s ON s.tenant_id = si.tenant_id JOIN bookings b ON b.tenant_id = s.tenant_id WHERE si.tenant_id = $1`, nil},
		{"chain broken",
			`SELECT 1 FROM sites si JOIN spaces s ON s.site_id = si.id JOIN bookings b ON b.tenant_id = s.tenant_id WHERE si.tenant_id = $1`,
			[]string{`table "spaces" (alias s) has no tenant_id = $n predicate`, `table "bookings" (alias b) has no tenant_id = $n predicate`}},
		{"lateral subquery sees bound outer alias",
			`SELECT 1 FROM spaces s, LATERAL (SELECT id FROM bookings b WHERE b.tenant_id = s.tenant_id) x WHERE s.tenant_id = $1`, nil},
		{"recursive cte",
			`WITH RECURSIVE t AS (SELECT id FROM sites WHERE tenant_id = $1 UNION ALL SELECT s.id FROM sites s JOIN t ON s.id = t.id WHERE s.tenant_id = $1) SELECT * FROM t`, nil},
		{"recursive cte unbound arm",
			`WITH RECURSIVE t AS (SELECT id FROM sites WHERE tenant_id = $1 UNION ALL SELECT s.id FROM sites s JOIN t ON s.id = t.id) SELECT * FROM t`,
			[]string{`table "sites" (alias s) has no tenant_id = $n predicate`}},
		{"explain", `EXPLAIN SELECT * FROM spaces`, []string{`table "spaces" has no tenant_id = $n predicate`}},
		{"two statements", `SELECT set_config('app.tenant_id', $1, true); SELECT * FROM spaces`,
			[]string{`table "spaces" has no tenant_id = $n predicate`}},
		{"on conflict update with subquery",
			`INSERT INTO spaces (tenant_id, id, code) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, id) DO UPDATE SET code = (SELECT code FROM sites WHERE id = $4)`,
			[]string{`table "sites" has no tenant_id = $n predicate`}},
		{"values subquery",
			`INSERT INTO bookings (tenant_id, id, space_id) VALUES ($1, $2, (SELECT id FROM spaces WHERE code = $3))`,
			[]string{`table "spaces" has no tenant_id = $n predicate`}},
		{"update returning subquery",
			`UPDATE spaces SET code = $2 WHERE tenant_id = $1 RETURNING (SELECT count(*) FROM bookings)`,
			[]string{`table "bookings" has no tenant_id = $n predicate`}},
		{"catalog tables", `SELECT relname FROM pg_catalog.pg_class WHERE relname = 'spaces'`, nil},
		{"merge", `MERGE INTO spaces s USING sites x ON s.id = x.id WHEN MATCHED THEN DELETE`,
			[]string{`MERGE into tenant table "spaces" is not checked: use INSERT ... ON CONFLICT or UPDATE with a tenant_id = $n predicate`,
				`table "sites" (alias x) has no tenant_id = $n predicate`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tenantlint.CheckSQL(tt.sql, tables)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("CheckSQL(%q)\n got  %q\n want %q", tt.sql, got, tt.want)
			}
		})
	}
}

func TestCheckSQLParseError(t *testing.T) {
	t.Parallel()
	if _, err := tenantlint.CheckSQL(`SELECT FROM WHERE`, nil); err == nil {
		t.Fatal("want a parse error")
	}
}
