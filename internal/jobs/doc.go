// Package jobs runs Tenantry's background jobs on River (github.com/riverqueue/river), in the same
// PostgreSQL database as the data, as the application role (NOBYPASSRLS). It names no product:
// each product and platform package registers its own job kinds, workers and periodic jobs on a
// Registry, and New builds the Runner from it.
//
// The pattern of every job (shared/spec/isolation.md, "Code that crosses tenants"): a job that
// works on one tenant's data embeds TenantArgs, and its row's metadata records the tenant too. The
// worker registered with AddTenant re-establishes the tenant scope from the job, so the product's
// function finds it in ctx and does its work in that tenant's own scoped transactions. A job whose
// arguments disagree with its metadata is cancelled and logged, never run. A periodic sweep reads
// (tenant_id, id) pairs through a registered cross-tenant query and inserts one tenant job per item
// (InsertMany). A transactional outbox inserts its job inside the caller's transaction (InsertTx),
// so the job exists exactly when the change that caused it commits.
//
// Job arguments are stored in river_job, which is not a tenant table (no row-level security): they
// carry ids, never tenant data such as a message or a token.
//
// River's schema is applied as goose Go migrations, one per River migration version, each in its
// own transaction (applying several River versions in one transaction fails on an enum value added
// and used across versions).
package jobs
