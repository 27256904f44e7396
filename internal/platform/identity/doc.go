// Package identity owns users, tenants, memberships and sign-in sessions: registration, login,
// refresh-token rotation with reuse detection, logout, tenant switching and GET /me. It also
// authenticates access tokens for the HTTP layer (Service.Authenticate).
//
// Sign-in must find a user before any tenant is known; those two reads are the package's
// registered cross-tenant queries (crosstenant.go). Everything else runs in a scoped transaction.
package identity
