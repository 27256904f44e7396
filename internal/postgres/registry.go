package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/errs"
)

// CrossTenant is a registered query that reads across tenants through the system role. Each one
// names itself, says in one line why it must cross tenants, and lists the columns it may read;
// the system role's grants must equal the union of Reads (tenantry verify checks this).
type CrossTenant struct {
	Name  string              // unique, e.g. "identity.user_by_email"
	Why   string              // the one-line justification
	SQL   string              // the statement; exempt from the tenant-predicate lint
	Reads map[string][]string // table -> columns the statement reads
}

var registry = struct {
	sync.Mutex
	byName map[string]CrossTenant
}{byName: map[string]CrossTenant{}}

// Register records q in the registry and returns it. It panics on an incomplete or duplicate
// declaration, so a mistake stops the program at start-up. Call it from package-level vars.
func Register(q CrossTenant) CrossTenant {
	if q.Name == "" || q.Why == "" || q.SQL == "" || len(q.Reads) == 0 {
		panic(fmt.Sprintf("postgres: cross-tenant query %q needs a name, a justification, SQL and the columns it reads", q.Name))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byName[q.Name]; dup {
		panic(fmt.Sprintf("postgres: cross-tenant query %q registered twice", q.Name))
	}
	registry.byName[q.Name] = q
	return q
}

// Registered returns every registered cross-tenant query, sorted by name.
func Registered() []CrossTenant {
	registry.Lock()
	defer registry.Unlock()
	names := slices.Sorted(maps.Keys(registry.byName))
	out := make([]CrossTenant, 0, len(names))
	for _, n := range names {
		out = append(out, registry.byName[n])
	}
	return out
}

// SystemGrants returns the union of the registered queries' Reads: what the system role may select.
func SystemGrants() map[string][]string {
	union := map[string]map[string]bool{}
	for _, q := range Registered() {
		for table, cols := range q.Reads {
			if union[table] == nil {
				union[table] = map[string]bool{}
			}
			for _, c := range cols {
				union[table][c] = true
			}
		}
	}
	out := make(map[string][]string, len(union))
	for table, cols := range union {
		out[table] = slices.Collect(maps.Keys(cols))
		sort.Strings(out[table])
	}
	return out
}

// CrossTenantQuery runs a registered cross-tenant query on the system role's pool. A query that was
// not registered (or whose SQL differs from its registration) is refused.
func (db *DB) CrossTenantQuery(ctx context.Context, q CrossTenant, args ...any) (pgx.Rows, error) {
	if err := checkRegistered(q); err != nil {
		return nil, err
	}
	if db.sys == nil {
		return nil, fmt.Errorf("postgres: %s: no system role configured", q.Name)
	}
	rows, err := db.sys.Query(ctx, q.SQL, args...)
	if err != nil {
		return nil, translate(fmt.Errorf("postgres: %s: %w", q.Name, err))
	}
	return rows, nil
}

// CrossTenantRow runs a registered cross-tenant query that returns at most one row.
func (db *DB) CrossTenantRow(ctx context.Context, q CrossTenant, args []any, dest ...any) error {
	rows, err := db.CrossTenantQuery(ctx, q, args...)
	if err != nil {
		return err
	}
	return translate((&row{rows: rows}).Scan(dest...))
}

func checkRegistered(q CrossTenant) error {
	registry.Lock()
	defer registry.Unlock()
	r, ok := registry.byName[q.Name]
	if !ok || r.SQL != q.SQL {
		return errs.Wrap(errs.Internal, "internal error", fmt.Errorf("postgres: cross-tenant query %q is not registered", q.Name))
	}
	return nil
}
