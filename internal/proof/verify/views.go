package verify

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// derived is a view or materialized view that reads tenant tables, directly or through other views.
type derived struct {
	schema, name string // name is schema.view
	matview      bool
	options      []string // pg_class.reloptions
	reads        []string // the tenant tables it reaches
}

// derivedQuery follows the _RETURN rules of views and materialized views (pg_rewrite → pg_depend)
// transitively and keeps those in the schemas $1 that reach a tenant table.
const derivedQuery = `WITH RECURSIVE ` + tenantTablesCTE + `,
	deps AS (
		SELECT DISTINCT r.ev_class AS view, d.refobjid AS rel
		FROM pg_rewrite r
		JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
		WHERE r.rulename = '_RETURN' AND d.refobjid <> r.ev_class
	),
	reach(view, rel) AS (
		SELECT view, rel FROM deps
		UNION
		SELECT reach.view, deps.rel FROM reach JOIN deps ON deps.view = reach.rel
	)
	SELECT n.nspname, n.nspname || '.' || v.relname, v.relkind = 'm', COALESCE(v.reloptions, '{}'),
		ARRAY(SELECT tt.name FROM reach JOIN tt ON tt.oid = reach.rel WHERE reach.view = v.oid ORDER BY 1)
	FROM pg_class v
	JOIN pg_namespace n ON n.oid = v.relnamespace
	WHERE v.relkind IN ('v', 'm') AND n.nspname = ANY($1::text[])
		AND EXISTS (SELECT 1 FROM reach JOIN tt ON tt.oid = reach.rel WHERE reach.view = v.oid)
	ORDER BY 2`

// checkViews: views over tenant tables run with the caller's rights (security_invoker), and no
// materialized view, which has no row-level security at all, copies tenant rows.
func checkViews(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	var ds []derived
	err := collect(ctx, q, "views", derivedQuery, func(r pgx.Rows) error {
		var d derived
		if err := r.Scan(&d.schema, &d.name, &d.matview, &d.options, &d.reads); err != nil {
			return err
		}
		ds = append(ds, d)
		return nil
	}, e.Schemas)
	if err != nil {
		return nil, err
	}
	return append(viewResults(ds, e), matviewResults(ds, e)...), nil
}

func viewResults(ds []derived, e Expect) []Result {
	const inv = "view.security_invoker"
	var rs []Result
	seen := map[string]bool{}
	for _, d := range ds {
		if d.matview {
			continue
		}
		seen[d.schema] = true
		if securityInvoker(d.options) {
			rs = append(rs, pass(inv, d.name, ""))
		} else {
			rs = append(rs, fail(inv, d.name, "runs with its owner's rights over "+list(d.reads)+"; set security_invoker = true"))
		}
	}
	return append(rs, schemasWithout(inv, e, seen, "no view over tenant tables")...)
}

func matviewResults(ds []derived, e Expect) []Result {
	const inv = "matview.none"
	var rs []Result
	seen := map[string]bool{}
	for _, d := range ds {
		if d.matview {
			seen[d.schema] = true
			rs = append(rs, fail(inv, d.name, "materialized view copies tenant rows without row-level security: "+list(d.reads)))
		}
	}
	return append(rs, schemasWithout(inv, e, seen, "no materialized view over tenant tables")...)
}

// securityInvoker reports whether reloptions turn security_invoker on. PostgreSQL keeps the
// spelling the DDL used, so this accepts what its boolean parser accepts: a prefix of true or
// yes, on, or 1.
func securityInvoker(options []string) bool {
	for _, o := range options {
		k, v, _ := strings.Cut(o, "=")
		if !strings.EqualFold(k, "security_invoker") {
			continue
		}
		v = strings.ToLower(v)
		return v != "" && (strings.HasPrefix("true", v) || strings.HasPrefix("yes", v)) || v == "on" || v == "1"
	}
	return false
}
