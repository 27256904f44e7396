package endpoints

import "github.com/tenantry/tenantry/internal/tenancy"

// Scopes are the API-key scopes of webhooks: reading the endpoints and the delivery log, and
// changing endpoints (which also pings and replays).
func Scopes() []tenancy.ScopeInfo {
	return []tenancy.ScopeInfo{
		{Name: "webhooks:read", MinRole: tenancy.RoleAdmin, Doc: "read webhook endpoints and their delivery log"},
		{Name: "webhooks:write", MinRole: tenancy.RoleAdmin, Doc: "register, change and delete webhook endpoints, rotate their secrets, ping and replay deliveries"},
	}
}
