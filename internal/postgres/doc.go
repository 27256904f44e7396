// Package postgres is the only package that holds PostgreSQL connections. It provides the pool,
// the scoped transaction helper through which all tenant data is reached, the registry of
// cross-tenant queries (the only path to the system role), driver-error translation, role
// bootstrap for private clusters, and the embedded goose migrations.
//
// Tenant data is reached only with DB.Tx (read-write) or DB.Read (read-only). Both take the scope
// from the context (tenancy.FromContext) and send the transaction-local tenant setting in the same
// pipeline as the first statement, so a read costs one round trip per statement and a write one
// round trip more than its statements.
package postgres
