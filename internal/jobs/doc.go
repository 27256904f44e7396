// Package jobs runs Tenantry's background jobs on River (github.com/riverqueue/river), in the same
// PostgreSQL database as the data, as the application role (NOBYPASSRLS).
//
// The pattern of every job (shared/spec/isolation.md, "Code that crosses tenants"): a periodic
// sweep reads (tenant_id, id) pairs through a registered cross-tenant query, then inserts one job
// per item whose arguments carry the tenant; the job's metadata carries the tenant too. The worker
// re-establishes the tenant scope from the job and does the work in that tenant's own scoped
// transaction. A job whose arguments disagree with its metadata is cancelled and logged.
//
// River's schema is applied as goose Go migrations, one per River migration version, each in its
// own transaction (applying several River versions in one transaction fails on an enum value added
// and used across versions).
package jobs
