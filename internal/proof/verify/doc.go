// Package verify checks a live PostgreSQL database against Tenantry's isolation contract
// (shared/spec/isolation.md, "Database layer") by reading the system catalogs. It backs the
// command `tenantry verify`.
//
// Check connects nothing itself: it takes a Querier (a *pgx.Conn, *pgxpool.Pool or pgx.Tx, ideally
// connected as the owner role or a superuser so that every catalog row is visible) and an Expect
// naming the three roles and the allowed exceptions. It returns one Result per invariant and
// object, each with a short stable invariant id:
//
//	tables.found             at least one tenant table exists in the checked schemas
//	rls.enabled              row-level security is enabled on the tenant table
//	rls.forced               ... and forced, so the owner is subject to it too
//	rls.policy               exactly one policy, permissive, FOR ALL, USING and WITH CHECK on app.tenant_id
//	rls.fail_closed          the policy reads NULLIF(current_setting('app.tenant_id', true), '')
//	rls.initplan             ... in a scalar subquery, evaluated once per statement, not per row
//	tenant_id.not_null       tenant_id is NOT NULL
//	tenant_id.uuid           tenant_id is a uuid
//	pk.tenant_id             the primary key includes tenant_id
//	unique.tenant_id         every unique or exclusion constraint/index includes tenant_id (or is listed in GlobalUnique)
//	fk.composite             every foreign key to another tenant table pairs tenant_id with tenant_id
//	index.tenant_leading     at least one index starts with tenant_id
//	id.no_sequence           no identity column and no default drawn from a sequence
//	table.owner              the tenant table is owned by the owner role
//	view.security_invoker    views over tenant tables run with security_invoker
//	matview.none             no materialized view over tenant tables
//	function.definer         SECURITY DEFINER functions only from the allow list, each with a fixed search_path
//	role.owner.exists        the owner role exists
//	role.owner.nobypassrls   the owner role is neither superuser nor BYPASSRLS (FORCE binds it)
//	role.app.exists          the application role exists
//	role.app.nosuperuser     the application role is not a superuser
//	role.app.nobypassrls     the application role has no BYPASSRLS
//	role.app.memberships     the application role is not a member of the owner, the system role or any superuser/BYPASSRLS role
//	role.app.owns_nothing    the application role (and every role it is a member of) owns no object in the database
//	role.app.no_create       the application role cannot create objects in the checked schemas
//	role.app.no_truncate     the application role cannot TRUNCATE any table in the checked schemas
//	role.app.no_references   the application role holds no REFERENCES privilege in the checked schemas
//	role.system.exists       the system role exists
//	role.system.grants       the system role's effective SELECT columns equal Expect.SystemGrants, table by table
//	role.system.read_only    the system role cannot INSERT, UPDATE, DELETE or TRUNCATE tenant tables
//
// A tenant table is an ordinary or partitioned table (partitions included) in a checked schema
// with a column named tenant_id. Write prints the results as text, one line each, or as JSON.
package verify
