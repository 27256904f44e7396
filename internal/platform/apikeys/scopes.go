package apikeys

import "github.com/tenantry/tenantry/internal/tenancy"

// Scopes are the API-key scopes of the key operations. No scope lets a key create or widen keys,
// and api-keys:manage is in no default set.
func Scopes() []tenancy.ScopeInfo {
	return []tenancy.ScopeInfo{
		{Name: "api-keys:manage", MinRole: tenancy.RoleOwner, Doc: "list and revoke API keys (never create them)"},
	}
}
