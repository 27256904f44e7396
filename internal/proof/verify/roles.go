package verify

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// roleAttrs are the attributes of a role that matter to row-level security.
type roleAttrs struct {
	exists, super, bypassRLS bool
}

func loadRole(ctx context.Context, q Querier, name string) (roleAttrs, error) {
	a := roleAttrs{exists: true}
	err := q.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`, name).Scan(&a.super, &a.bypassRLS)
	if errors.Is(err, pgx.ErrNoRows) {
		return roleAttrs{}, nil
	}
	if err != nil {
		return roleAttrs{}, fmt.Errorf("verify: role %s: %w", name, err)
	}
	return a, nil
}

// checkOwnerRole: the owner exists and neither superuser nor BYPASSRLS bypasses the policies it
// owns (FORCE ROW LEVEL SECURITY binds the owner only without those).
func checkOwnerRole(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	if e.OwnerRole == "" {
		return nil, nil
	}
	a, err := loadRole(ctx, q, e.OwnerRole)
	if err != nil {
		return nil, err
	}
	if !a.exists {
		return []Result{fail("role.owner.exists", e.OwnerRole, "no such role")}, nil
	}
	var problems []string
	switch {
	case a.super:
		problems = []string{"superuser: FORCE ROW LEVEL SECURITY does not bind it"}
	case a.bypassRLS:
		problems = []string{"BYPASSRLS: FORCE ROW LEVEL SECURITY does not bind it"}
	}
	return []Result{pass("role.owner.exists", e.OwnerRole, ""), result("role.owner.nobypassrls", e.OwnerRole, problems)}, nil
}

// appCheck is one invariant on the application role: problems is empty when it holds.
type appCheck struct {
	id  string
	run func(ctx context.Context, q Querier, e Expect, a roleAttrs) (problems []string, err error)
}

// appChecks lists the application-role invariants in report order.
var appChecks = []appCheck{
	{"role.app.nosuperuser", func(_ context.Context, _ Querier, _ Expect, a roleAttrs) ([]string, error) {
		return when(a.super, "superuser: bypasses row-level security"), nil
	}},
	{"role.app.nobypassrls", func(_ context.Context, _ Querier, _ Expect, a roleAttrs) ([]string, error) {
		return when(a.bypassRLS, "BYPASSRLS: bypasses row-level security"), nil
	}},
	{"role.app.memberships", appMemberships},
	{"role.app.owns_nothing", appOwnsNothing},
	{"role.app.no_create", appNoCreate},
	{"role.app.no_truncate", appTablePrivilege("has_table_privilege", "TRUNCATE", "TRUNCATE ignores row-level security")},
	{"role.app.no_references", appTablePrivilege("has_any_column_privilege", "REFERENCES", "REFERENCES ignores row-level security")},
}

// checkAppRole evaluates every application-role invariant, or reports the role missing.
func checkAppRole(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	a, err := loadRole(ctx, q, e.AppRole)
	if err != nil {
		return nil, err
	}
	if !a.exists {
		return []Result{fail("role.app.exists", e.AppRole, "no such role")}, nil
	}
	rs := []Result{pass("role.app.exists", e.AppRole, "")}
	for _, c := range appChecks {
		problems, err := c.run(ctx, q, e, a)
		if err != nil {
			return nil, fmt.Errorf("verify: %s: %w", c.id, err)
		}
		rs = append(rs, result(c.id, e.AppRole, problems))
	}
	return rs, nil
}

// when returns problem as a one-element list if cond holds.
func when(cond bool, problem string) []string {
	if cond {
		return []string{problem}
	}
	return nil
}

// appMemberships: membership grants a role's privileges (ownership included) or lets the member
// SET ROLE to it, so the app role must not be a member of the owner, the system role, or any
// superuser or BYPASSRLS role.
func appMemberships(ctx context.Context, q Querier, e Expect, _ roleAttrs) ([]string, error) {
	roles, err := collectStrings(ctx, q, "memberships", `
		SELECT r.rolname || CASE WHEN r.rolsuper THEN ' (superuser)' WHEN r.rolbypassrls THEN ' (BYPASSRLS)' ELSE '' END
		FROM pg_roles r
		WHERE r.rolname <> $1 AND pg_has_role($1, r.oid, 'MEMBER')
			AND (r.rolsuper OR r.rolbypassrls OR r.rolname = ANY($2::text[]))
		ORDER BY 1`, e.AppRole, []string{e.OwnerRole, e.SystemRole})
	if len(roles) == 0 {
		return nil, err
	}
	return []string{"member of " + list(roles)}, err
}

// appOwnsNothing: an owner can disable row-level security and drop policies, so neither the app
// role nor any role it is a member of may own an object in the database.
func appOwnsNothing(ctx context.Context, q Querier, e Expect, _ roleAttrs) ([]string, error) {
	owned, err := collectStrings(ctx, q, "ownership", `
		WITH me AS (SELECT oid FROM pg_roles WHERE pg_has_role($1, oid, 'MEMBER'))
		SELECT o.what || CASE WHEN pg_get_userbyid(o.owner) <> $1 THEN ' (owner ' || pg_get_userbyid(o.owner) || ')' ELSE '' END
		FROM (
			SELECT 'database ' || d.datname AS what, d.datdba AS owner
			FROM pg_database d WHERE d.datname = current_database()
			UNION ALL
			SELECT 'schema ' || n.nspname, n.nspowner FROM pg_namespace n
			UNION ALL
			SELECT 'relation ' || n.nspname || '.' || c.relname, c.relowner
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind NOT IN ('i', 'I', 't')
			UNION ALL
			SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.proowner
			FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			UNION ALL
			SELECT 'type ' || n.nspname || '.' || t.typname, t.typowner
			FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE t.typrelid = 0 AND NOT EXISTS (SELECT 1 FROM pg_type a WHERE a.typarray = t.oid)
		) o
		WHERE o.owner IN (SELECT oid FROM me)
		ORDER BY 1`, e.AppRole)
	if len(owned) == 0 {
		return nil, err
	}
	return []string{fmt.Sprintf("owns %d object(s): %s", len(owned), list(owned))}, err
}

// appNoCreate: the app role cannot create schemas in the database or objects in the checked schemas.
func appNoCreate(ctx context.Context, q Querier, e Expect, _ roleAttrs) ([]string, error) {
	where, err := collectStrings(ctx, q, "create privilege", `
		SELECT 'database ' || current_database() WHERE has_database_privilege($1, current_database(), 'CREATE')
		UNION ALL
		SELECT 'schema ' || n.nspname FROM pg_namespace n
		WHERE n.nspname = ANY($2::text[]) AND has_schema_privilege($1, n.oid, 'CREATE')
		ORDER BY 1`, e.AppRole, e.Schemas)
	if len(where) == 0 {
		return nil, err
	}
	return []string{"may CREATE in " + list(where)}, err
}

// appTablePrivilege returns a check that the app role holds priv (tested with the privilege
// function fn, which takes role, table and privilege) on no table in the checked schemas.
func appTablePrivilege(fn, priv, why string) func(context.Context, Querier, Expect, roleAttrs) ([]string, error) {
	sql := `SELECT n.nspname || '.' || c.relname
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($2::text[]) AND ` + fn + `($1, c.oid, '` + priv + `')
		ORDER BY 1`
	return func(ctx context.Context, q Querier, e Expect, _ roleAttrs) ([]string, error) {
		tabs, err := collectStrings(ctx, q, priv+" privilege", sql, e.AppRole, e.Schemas)
		if len(tabs) == 0 {
			return nil, err
		}
		return []string{fmt.Sprintf("%s on %s (%s)", priv, list(tabs), why)}, err
	}
}
