package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Querier is the part of pgx that Check needs; *pgx.Conn, *pgxpool.Pool and pgx.Tx satisfy it.
// Pass a read-only transaction for a single consistent snapshot of the catalogs.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Expect says what the database must look like. Table and function names may be schema-qualified;
// an unqualified name means the first of Schemas.
type Expect struct {
	OwnerRole  string // the role that owns every object, e.g. tenantry_owner; "" skips the owner lines
	AppRole    string // the application role, e.g. tenantry_app (required)
	SystemRole string // the cross-tenant role, e.g. tenantry_system; "" reports role.system.grants as not configured

	// Schemas are the schemas to check; nil means {"public"}.
	Schemas []string
	// SystemGrants maps table -> the columns the system role may SELECT (the union of the
	// cross-tenant registry). The role's effective SELECT privileges must match it exactly.
	SystemGrants map[string][]string
	// DefinerFunctions are the only SECURITY DEFINER functions allowed, as "schema.name"; each must
	// also have search_path set in its configuration.
	DefinerFunctions []string
	// GlobalUnique maps tenant table -> names of unique constraints or indexes that deliberately
	// leave out tenant_id. Normally empty.
	GlobalUnique map[string][]string
	// GlobalTables maps each table without tenant_id that the application role may reach to the
	// privileges it holds there (of SELECT, INSERT, UPDATE, DELETE): a catalogue shipped by a
	// migration is {"SELECT"}. Any other table without tenant_id fails global.declared.
	GlobalTables map[string][]string
}

// Result is the outcome of one invariant on one object (a table, view, function, role or schema).
type Result struct {
	Invariant string `json:"invariant"`        // stable id such as "rls.forced"
	Object    string `json:"object"`           // e.g. "public.sites" or "tenantry_app"
	Pass      bool   `json:"pass"`             // whether the invariant holds
	Detail    string `json:"detail,omitempty"` // why it failed, or a note on a pass
}

// Check reads the catalogs through q and returns one Result per invariant and object, in a fixed
// order (invariant by invariant, objects sorted by name). It returns an error only when a catalog
// query fails or e is unusable; a database that breaks the contract yields failed Results.
func Check(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	if e.AppRole == "" {
		return nil, errors.New("verify: Expect.AppRole is required")
	}
	if len(e.Schemas) == 0 {
		e.Schemas = []string{"public"}
	}
	steps := []func(context.Context, Querier, Expect) ([]Result, error){
		checkTables,
		checkGlobalTables,
		checkViews,
		checkDefiners,
		checkOwnerRole,
		checkAppRole,
		checkSystemRole,
	}
	var rs []Result
	for _, step := range steps {
		out, err := step(ctx, q, e)
		if err != nil {
			return nil, err
		}
		rs = append(rs, out...)
	}
	return rs, nil
}

// qualify returns name as "schema.name", using the first checked schema when name has none.
func (e Expect) qualify(name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	return e.Schemas[0] + "." + name
}

// qualifiedKeys returns m with every key qualified (values of keys that collide are merged).
func (e Expect) qualifiedKeys(m map[string][]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		qk := e.qualify(k)
		out[qk] = append(out[qk], v...)
	}
	return out
}

func pass(inv, obj, detail string) Result { return Result{inv, obj, true, detail} }
func fail(inv, obj, detail string) Result { return Result{inv, obj, false, detail} }

// result passes when problems is empty and otherwise fails with the problems joined.
func result(inv, obj string, problems []string) Result {
	if len(problems) == 0 {
		return pass(inv, obj, "")
	}
	return fail(inv, obj, strings.Join(problems, "; "))
}

// list joins names for a detail, naming at most five and counting the rest.
func list(names []string) string {
	const max = 5
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// collect runs sql and scans every row with scan.
func collect(ctx context.Context, q Querier, what, sql string, scan func(pgx.Rows) error, args ...any) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("verify: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("verify: %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: %s: %w", what, err)
	}
	return nil
}

// collectStrings runs sql, which must return one text column, and returns its values.
func collectStrings(ctx context.Context, q Querier, what, sql string, args ...any) ([]string, error) {
	var out []string
	err := collect(ctx, q, what, sql, func(r pgx.Rows) error {
		var s string
		if err := r.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}, args...)
	return out, err
}

// schemasWithout returns a pass Result for each checked schema that has no entry in seen.
func schemasWithout(inv string, e Expect, seen map[string]bool, note string) []Result {
	var rs []Result
	for _, s := range e.Schemas {
		if !seen[s] {
			rs = append(rs, pass(inv, s, note))
		}
	}
	return rs
}
