package verify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// globalPrivileges are the table privileges compared for global tables, in report order
// (TRUNCATE and REFERENCES are refused on every table by role.app.no_truncate and no_references).
var globalPrivileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE"}

// checkGlobalTables: a table without a tenant_id column that the application role can reach is a
// global table, and each must be declared with exactly the privileges the role holds on it
// (Expect.GlobalTables). A tenant table that forgot its tenant_id fails global.declared; a write
// grant on a read-only catalogue fails global.app_privileges.
func checkGlobalTables(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	if a, err := loadRole(ctx, q, e.AppRole); err != nil || !a.exists {
		return nil, err // a missing role is role.app.exists's failure
	}
	actual := map[string][]string{}
	err := collect(ctx, q, "global tables", `
		SELECT n.nspname || '.' || c.relname, p.privs
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		CROSS JOIN LATERAL (
			SELECT array_agg(priv ORDER BY ord) AS privs
			FROM unnest($3::text[]) WITH ORDINALITY AS x(priv, ord)
			WHERE CASE WHEN priv = 'DELETE' THEN has_table_privilege($1, c.oid, priv)
				ELSE has_any_column_privilege($1, c.oid, priv) END
		) p
		WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($2::text[]) AND p.privs IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM pg_attribute a
				WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped)`,
		func(r pgx.Rows) error {
			var name string
			var privs []string
			if err := r.Scan(&name, &privs); err != nil {
				return err
			}
			actual[name] = privs
			return nil
		}, e.AppRole, e.Schemas, globalPrivileges)
	if err != nil {
		return nil, err
	}
	declared := map[string][]string{}
	for name, privs := range e.GlobalTables {
		declared[e.qualify(name)] = privs
	}
	var rs []Result
	for _, name := range slices.Sorted(maps.Keys(actual)) {
		if _, ok := declared[name]; !ok {
			rs = append(rs, fail("global.declared", name, fmt.Sprintf(
				"no tenant_id column, yet %s may %s it: add tenant_id, or declare it a global table", e.AppRole, list(actual[name]))))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		want := normalPrivileges(declared[name])
		have, ok := actual[name]
		switch {
		case !ok && len(want) > 0:
			rs = append(rs, fail("global.app_privileges", name, fmt.Sprintf("declared %s, but %s holds no privilege on it (or it has tenant_id, or it does not exist)", list(want), e.AppRole)))
		case !slices.Equal(have, want):
			rs = append(rs, fail("global.app_privileges", name, fmt.Sprintf("%s may %s, declared %s", e.AppRole, list(have), list(want))))
		default:
			rs = append(rs, pass("global.app_privileges", name, list(have)))
		}
	}
	return rs, nil
}

// normalPrivileges upper-cases privs and orders them as globalPrivileges.
func normalPrivileges(privs []string) []string {
	var out []string
	for _, p := range globalPrivileges {
		if slices.ContainsFunc(privs, func(s string) bool { return strings.EqualFold(s, p) }) {
			out = append(out, p)
		}
	}
	return out
}
