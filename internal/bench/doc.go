// Package bench is Tenantry's load harness (`make bench`, command cmd/loadbench). One Run
// starts a private PostgreSQL cluster in a temporary directory, bootstraps the roles, migrates,
// loads N tenants × M spaces (with sensors and readings) through the application role in each
// tenant's own scoped transaction, starts the real server binary (`tenantry serve`) on loopback,
// and measures:
//
//   - the API scenarios over HTTP at a fixed concurrency, each request for a random tenant with
//     that tenant's API key, every response checked for the caller's tenant (a mismatch aborts
//     the run): the space list (50 rows), a space by id, a reservation, a ChirpStack uplink;
//   - the baselines, in the same run: pgbench sending the list scenario's exact SQL (the tenant
//     setting and the query in one pipeline) as the application role, the same script as a
//     bench-only BYPASSRLS role (the query's explicit tenant_id predicate still selects the
//     tenant), and the list scenario over 10 tenants holding the same number of rows;
//   - the flows scenarios on a tenant of their own (flows_data.go): the flow list at Flows flows
//     with the visibility filter, each page checked against the member's visibility, and a
//     decision in a session, each with a pgbench baseline of the same statements.
//
// It reports requests per second, p50/p95/p99 latency, errors, the server's RSS and CPU (read
// from /proc of the server process) and PostgreSQL's CPU, the ratios against the targets of
// docs/performance.md, and with Write it replaces the generated sections of docs/performance.md
// and the README. Targets are reported, never asserted.
//
// Tenant data is written only through postgres.DB.Tx (RLS applies, WITH CHECK included) or the
// API. The harness holds one superuser connection to its own throwaway cluster, for what a
// superuser must do there: create the bench-only BYPASSRLS role, VACUUM ANALYZE and read catalog
// sizes.
package bench
