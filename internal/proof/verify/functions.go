package verify

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// definer is a SECURITY DEFINER function or procedure.
type definer struct {
	schema, name string // name is schema.proname
	args         string // identity arguments
	config       []string
}

// checkDefiners: SECURITY DEFINER functions run as their owner and so bypass row-level security;
// only the allow-listed ones may exist, and each must pin its search_path so that it cannot be
// hijacked by objects created in another schema.
func checkDefiners(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	var fns []definer
	err := collect(ctx, q, "security definer functions", `
		SELECT n.nspname, n.nspname || '.' || p.proname, pg_get_function_identity_arguments(p.oid),
			COALESCE(p.proconfig, '{}')
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE p.prosecdef AND n.nspname = ANY($1::text[])
		ORDER BY 2, 3`, func(r pgx.Rows) error {
		var f definer
		if err := r.Scan(&f.schema, &f.name, &f.args, &f.config); err != nil {
			return err
		}
		fns = append(fns, f)
		return nil
	}, e.Schemas)
	if err != nil {
		return nil, err
	}
	return definerResults(fns, e), nil
}

func definerResults(fns []definer, e Expect) []Result {
	const inv = "function.definer"
	allowed := map[string]bool{}
	for _, f := range e.DefinerFunctions {
		allowed[e.qualify(f)] = true
	}
	var rs []Result
	seen := map[string]bool{}
	for _, f := range fns {
		seen[f.schema] = true
		var problems []string
		if !allowed[f.name] {
			problems = append(problems, "SECURITY DEFINER but not in the allow list")
		}
		if !pinsSearchPath(f.config) {
			problems = append(problems, "no fixed search_path (add SET search_path = '')")
		}
		rs = append(rs, result(inv, f.name+"("+f.args+")", problems))
	}
	return append(rs, schemasWithout(inv, e, seen, "no SECURITY DEFINER function")...)
}

// pinsSearchPath reports whether a function's proconfig sets search_path.
func pinsSearchPath(config []string) bool {
	for _, c := range config {
		if k, _, _ := strings.Cut(c, "="); strings.EqualFold(k, "search_path") {
			return true
		}
	}
	return false
}
