package postgres

import (
	"fmt"
	"maps"
	"slices"
	"sync"
)

// GlobalTable declares a table without tenant_id that the application role may reach, with the
// privileges it holds there and why the table belongs to no tenant. The package whose migration
// creates the table registers it; `tenantry verify` fails on any other table without tenant_id the
// role can reach, and on privileges that differ from the declaration (global.declared,
// global.app_privileges).
type GlobalTable struct {
	Name string   // the table, e.g. "flow_global_categories"
	Why  string   // the one-line justification
	App  []string // the application role's privileges: of SELECT, INSERT, UPDATE, DELETE
}

var globals = struct {
	sync.Mutex
	byName map[string]GlobalTable
}{byName: map[string]GlobalTable{}}

// RegisterGlobal records g and returns it; it panics on an incomplete or duplicate declaration.
// Call it from a package-level var next to the code that uses the table.
func RegisterGlobal(g GlobalTable) GlobalTable {
	if g.Name == "" || g.Why == "" || len(g.App) == 0 {
		panic(fmt.Sprintf("postgres: global table %q needs a name, a justification and the app role's privileges", g.Name))
	}
	globals.Lock()
	defer globals.Unlock()
	if _, dup := globals.byName[g.Name]; dup {
		panic(fmt.Sprintf("postgres: global table %q registered twice", g.Name))
	}
	globals.byName[g.Name] = g
	return g
}

// GlobalTables returns the registered global tables: table -> the app role's privileges.
func GlobalTables() map[string][]string {
	globals.Lock()
	defer globals.Unlock()
	out := make(map[string][]string, len(globals.byName))
	for _, name := range slices.Sorted(maps.Keys(globals.byName)) {
		out[name] = slices.Clone(globals.byName[name].App)
	}
	return out
}

// The core's global tables (migrations/20261123000001_core.sql).
var (
	_ = RegisterGlobal(GlobalTable{Name: "tenants", App: []string{"SELECT", "INSERT", "UPDATE"},
		Why: "the tenants themselves; its row-level security compares id with app.tenant_id"})
	_ = RegisterGlobal(GlobalTable{Name: "users", App: []string{"SELECT", "INSERT", "UPDATE"},
		Why: "a person may belong to several tenants; the app role reads no password hash"})
	_ = RegisterGlobal(GlobalTable{Name: "security_events", App: []string{"INSERT"},
		Why: "events before a tenant is known (a failed sign-in); the app role only appends"})
)
