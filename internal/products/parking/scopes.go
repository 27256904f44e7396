package parking

import "github.com/tenantry/tenantry/internal/tenancy"

// Scopes are parking's API-key scopes, in documentation order; internal/app adds them to the
// scope catalogue. The read scopes are in a new key's default set.
func Scopes() []tenancy.ScopeInfo {
	return []tenancy.ScopeInfo{
		{Name: "sites:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read sites"},
		{Name: "sites:write", MinRole: tenancy.RoleAdmin, Doc: "create, change and delete sites"},
		{Name: "spaces:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read spaces, their state and availability"},
		{Name: "spaces:write", MinRole: tenancy.RoleAdmin, Doc: "create, change and delete spaces"},
		{Name: "spaces:override", MinRole: tenancy.RoleOperator, Doc: "put a space under maintenance or block it, and lift it"},
		{Name: "devices:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read devices and the orphan inbox"},
		{Name: "devices:write", MinRole: tenancy.RoleAdmin, Doc: "register, assign and retire devices"},
		{Name: "displays:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read displays and their downlinks"},
		{Name: "displays:write", MinRole: tenancy.RoleAdmin, Doc: "register and change displays, retry their downlinks"},
		{Name: "reservations:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read reservations"},
		{Name: "reservations:write", MinRole: tenancy.RoleOperator, Doc: "create, cancel and check in reservations"},
		{Name: "telemetry:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read sensor readings, state history and utilisation"},
		{Name: "webhook:ingest", MinRole: tenancy.RoleOperator, Doc: "post sensor events (ChirpStack integration)"},
	}
}
