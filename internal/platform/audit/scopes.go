package audit

import "github.com/tenantry/tenantry/internal/tenancy"

// Scopes are the API-key scopes of the audit log.
func Scopes() []tenancy.ScopeInfo {
	return []tenancy.ScopeInfo{
		{Name: "audit:read", MinRole: tenancy.RoleAdmin, Doc: "read the audit log"},
	}
}
