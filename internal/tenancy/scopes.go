package tenancy

import "slices"

// ScopeInfo documents one API-key scope: what it allows and the lowest member role that may hold
// it (a key never exceeds the role of the member who created it).
type ScopeInfo struct {
	Name    string
	MinRole Role
	Default bool // granted when a key is created without a scope list (read scopes only)
	Doc     string
}

// The scope catalogue. Every operation that admits API keys names one of these; a key can be
// given only these. No scope lets a key create or widen keys.
var scopeCatalogue = []ScopeInfo{
	{"tenant:read", RoleViewer, true, "read the tenant's profile"},
	{"sites:read", RoleViewer, true, "read sites"},
	{"sites:write", RoleAdmin, false, "create, change and delete sites"},
	{"spaces:read", RoleViewer, true, "read spaces, their state and availability"},
	{"spaces:write", RoleAdmin, false, "create, change and delete spaces"},
	{"spaces:override", RoleOperator, false, "put a space under maintenance or block it, and lift it"},
	{"devices:read", RoleViewer, true, "read devices and the orphan inbox"},
	{"devices:write", RoleAdmin, false, "register, assign and retire devices"},
	{"reservations:read", RoleViewer, true, "read reservations"},
	{"reservations:write", RoleOperator, false, "create, cancel and check in reservations"},
	{"telemetry:read", RoleViewer, true, "read sensor readings, state history and utilisation"},
	{"webhook:ingest", RoleOperator, false, "post sensor events (ChirpStack integration)"},
	{"members:read", RoleAdmin, false, "read members and invitations"},
	{"teams:read", RoleViewer, true, "read teams and their members"},
	{"teams:write", RoleAdmin, false, "create, rename and delete teams and change their members"},
	{"audit:read", RoleAdmin, false, "read the audit log"},
	{"api-keys:manage", RoleOwner, false, "list and revoke API keys (never create them)"},
}

// ScopeCatalogue returns every scope, in documentation order.
func ScopeCatalogue() []ScopeInfo { return slices.Clone(scopeCatalogue) }

// LookupScope returns the catalogue entry of a scope name.
func LookupScope(name string) (ScopeInfo, bool) {
	for _, s := range scopeCatalogue {
		if s.Name == name {
			return s, true
		}
	}
	return ScopeInfo{}, false
}

// DefaultScopes returns the least-privilege read scopes a key gets when none are asked for.
func DefaultScopes() []string {
	var out []string
	for _, s := range scopeCatalogue {
		if s.Default {
			out = append(out, s.Name)
		}
	}
	return out
}

// MinRole returns the lowest of two roles.
func MinRole(a, b Role) Role {
	if a.AtLeast(b) {
		return b
	}
	return a
}
