package verify

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// checkSystemRole: the system role exists, its effective SELECT privileges equal the registry's
// columns exactly, and it cannot write tenant tables.
func checkSystemRole(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	if e.SystemRole == "" {
		return []Result{pass("role.system.grants", "-", "not configured")}, nil
	}
	a, err := loadRole(ctx, q, e.SystemRole)
	if err != nil {
		return nil, err
	}
	if !a.exists {
		return []Result{fail("role.system.exists", e.SystemRole, "no such role")}, nil
	}
	rs := []Result{pass("role.system.exists", e.SystemRole, "")}
	grants, err := systemGrants(ctx, q, e)
	if err != nil {
		return nil, err
	}
	rs = append(rs, grants...)
	writes, err := systemWrites(ctx, q, e)
	if err != nil {
		return nil, err
	}
	return append(rs, result("role.system.read_only", e.SystemRole, writes)), nil
}

// systemGrants compares, table by table, the columns the system role can SELECT (through a
// table-level or column-level grant, PUBLIC, a membership or ownership) with Expect.SystemGrants.
func systemGrants(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	const inv = "role.system.grants"
	// What the role can read now: table -> columns, in column order.
	actual := map[string][]string{}
	err := collect(ctx, q, "system role grants", `
		SELECT n.nspname || '.' || c.relname, array_agg(a.attname::text ORDER BY a.attnum)
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY($2::text[])
			AND has_column_privilege($1, c.oid, a.attnum, 'SELECT')
		GROUP BY 1`, func(r pgx.Rows) error {
		var name string
		var cols []string
		if err := r.Scan(&name, &cols); err != nil {
			return err
		}
		actual[name] = cols
		return nil
	}, e.SystemRole, e.Schemas)
	if err != nil {
		return nil, err
	}
	expected := e.qualifiedKeys(e.SystemGrants)
	if len(actual) == 0 && len(expected) == 0 {
		return []Result{pass(inv, e.SystemRole, "no SELECT privilege, none expected")}, nil
	}
	// Compare table by table over both sides; an expected table may not exist at all.
	exists, err := relationsIn(ctx, q, slices.Collect(maps.Keys(expected)))
	if err != nil {
		return nil, err
	}
	tables := slices.Sorted(maps.Keys(actual))
	for t := range expected {
		if _, ok := actual[t]; !ok {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	var rs []Result
	for _, t := range tables {
		if _, ok := actual[t]; !ok && !exists[t] {
			rs = append(rs, fail(inv, t, "no such table or view"))
			continue
		}
		rs = append(rs, result(inv, t, columnDiff(expected[t], actual[t])))
	}
	return rs, nil
}

// columnDiff describes how the granted columns differ from the expected ones.
func columnDiff(expected, actual []string) []string {
	var extra, missing []string
	for _, c := range actual {
		if !slices.Contains(expected, c) {
			extra = append(extra, c)
		}
	}
	for _, c := range expected {
		if !slices.Contains(actual, c) && !slices.Contains(missing, c) {
			missing = append(missing, c)
		}
	}
	var problems []string
	if len(extra) > 0 {
		problems = append(problems, "SELECT on columns not in the registry: "+strings.Join(extra, ", "))
	}
	if len(missing) > 0 {
		problems = append(problems, "no SELECT on registered columns: "+strings.Join(missing, ", "))
	}
	return problems
}

// relationsIn reports which of the qualified names exist as relations.
func relationsIn(ctx context.Context, q Querier, names []string) (map[string]bool, error) {
	found, err := collectStrings(ctx, q, "relations", `
		SELECT n.nspname || '.' || c.relname
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname || '.' || c.relname = ANY($1::text[])`, names)
	out := map[string]bool{}
	for _, f := range found {
		out[f] = true
	}
	return out, err
}

// systemWrites lists the tenant tables the system role could change, with the privileges.
func systemWrites(ctx context.Context, q Querier, e Expect) ([]string, error) {
	rows, err := collectStrings(ctx, q, "system role writes", `WITH `+tenantTablesCTE+`,
		privs AS (
			SELECT tt.name, array_to_string(array_remove(ARRAY[
				CASE WHEN has_any_column_privilege($2, tt.oid, 'INSERT') THEN 'INSERT' END,
				CASE WHEN has_any_column_privilege($2, tt.oid, 'UPDATE') THEN 'UPDATE' END,
				CASE WHEN has_table_privilege($2, tt.oid, 'DELETE') THEN 'DELETE' END,
				CASE WHEN has_table_privilege($2, tt.oid, 'TRUNCATE') THEN 'TRUNCATE' END], NULL), ', ') AS p
			FROM tt
		)
		SELECT name || ': ' || p FROM privs WHERE p <> '' ORDER BY 1`, e.Schemas, e.SystemRole)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return []string{"may write tenant tables: " + strings.Join(rows, "; ")}, nil
}
