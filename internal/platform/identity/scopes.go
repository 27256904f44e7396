package identity

import "github.com/tenantry/tenantry/internal/tenancy"

// ProfileScopes are the API-key scopes of the tenant's profile (GET /api/v1/tenant), in a new
// key's default set; internal/app puts them first in the scope catalogue.
func ProfileScopes() []tenancy.ScopeInfo {
	return []tenancy.ScopeInfo{
		{Name: "tenant:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read the tenant's profile"},
	}
}

// MemberScopes are the API-key scopes of members and invitations. No scope lets a key change them.
func MemberScopes() []tenancy.ScopeInfo {
	return []tenancy.ScopeInfo{
		{Name: "members:read", MinRole: tenancy.RoleAdmin, Doc: "read members and invitations"},
	}
}

// TeamScopes are the API-key scopes of teams: reading them is in a new key's default set, managing
// them is for admins; internal/app adds them to the scope catalogue.
func TeamScopes() []tenancy.ScopeInfo {
	return []tenancy.ScopeInfo{
		{Name: "teams:read", MinRole: tenancy.RoleViewer, Default: true, Doc: "read teams and their members"},
		{Name: "teams:write", MinRole: tenancy.RoleAdmin, Doc: "create, rename and delete teams, and change their members"},
	}
}
