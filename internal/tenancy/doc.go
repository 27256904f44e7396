// Package tenancy is the domain core of tenant isolation: validated tenant and user ids, roles, the
// request Scope carried in a context.Context, and the request's metadata (Request: id, client
// address, operation, tenant) for audit rows and log lines.
//
// A Scope is built once per request from verified credentials (never from a request body) and is
// the only thing the database layer accepts as the tenant of a transaction. A missing scope is an
// error, never a zero value.
package tenancy
