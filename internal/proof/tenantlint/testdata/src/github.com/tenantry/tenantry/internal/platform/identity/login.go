// Package identity exercises postgres.CrossTenant literals.
package identity

import (
	"context"

	"github.com/tenantry/tenantry/internal/postgres"
)

const findUserSQL = `SELECT u.id, s.tenant_id FROM users u JOIN sites s ON s.id = $2 WHERE u.email = $1`

// findUser is registered: its SQL crosses tenants on purpose.
var findUser = postgres.CrossTenant{
	Name:  "identity.find_user",
	Why:   "login finds a user by e-mail before the tenant is known",
	SQL:   findUserSQL,
	Reads: []string{"users.id", "sites.tenant_id"},
}

var registry = []postgres.CrossTenant{
	{Name: "identity.sweep", Why: "the session sweep reads (tenant_id, id) pairs", SQL: `SELECT tenant_id, id FROM bookings`},
	{Name: "identity.broken", Why: "broken on purpose", SQL: `SELEC tenant_id FROM bookings`}, // want `tenantsql: SQL does not parse`
	{Name: "identity.nowhy", SQL: `SELECT 1`}, // want `tenantsql: postgres.CrossTenant has no Why`
}

var dynamicRegistered = &postgres.CrossTenant{Name: "x", Why: "y", SQL: findUser.SQL} // want `postgres.CrossTenant SQL must be a constant string`

func Login(ctx context.Context, db *postgres.DB, q postgres.Querier, email string) {
	db.System(ctx, findUser, email)
	// The same SQL outside the literal is checked like any other.
	q.Query(ctx, findUserSQL, email, "s") // want `tenantsql: findUserSQL: table "sites" \(alias s\) has no tenant_id`
	// Reading a registered query's SQL outside the system role is dynamic SQL.
	q.Query(ctx, findUser.SQL, email) // want `dynamic SQL passed to Query`
	_ = registry
	_ = dynamicRegistered
}
