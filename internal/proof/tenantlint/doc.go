// Package tenantlint holds Tenantry's static isolation checks, as
// golang.org/x/tools/go/analysis analyzers run by cmd/tenantlint. They are
// the "static check" of the proof layer in shared/spec/isolation.md: row-level
// security remains the enforcement, these catch the bugs before a database
// does.
//
// Three analyzers:
//
//   - tenantsql: every constant SQL string passed to a method Exec, Query or
//     QueryRow (any receiver, and their ...Context forms) or to
//     (*pgx.Batch).Queue is parsed with the real PostgreSQL parser
//     (libpg_query through pg_query_go with cgo, go-pgquery without). Each
//     reference to a tenant table in SELECT, UPDATE or DELETE must be bound
//     to one tenant: a conjunct alias.tenant_id = $n (a cast parameter is
//     fine) at the top level of WHERE, or of the ON clause of a join that can
//     remove the table's rows (either side of an inner join, the nullable side
//     of an outer join), or alias.tenant_id = other.tenant_id (also JOIN ...
//     USING (tenant_id)) where other is bound, possibly an alias of an
//     enclosing query. A bare tenant_id binds the table of a one-table query.
//     An OR at the top level binds nothing. Subqueries, CTEs and set
//     operations are checked as statements of their own; an INSERT into a
//     tenant table must list tenant_id, and its SELECT is checked too. SQL
//     that does not parse is reported, as is non-constant ("dynamic") SQL
//     outside the database package. Strings inside postgres.CrossTenant{...}
//     literals are exempt from the tenant rule, but must be constants that
//     parse, and the literal needs a Name and a Why. Owner-only tables (a
//     migration's COMMENT ON TABLE t IS 'owner-only (col, ...): ...') also
//     need, in the same places, alias.col = $n for one of their owner
//     columns, or an OR whose every arm has one (user_id = $1 OR
//     assigned_to = $1): whose rows are wanted is said in the query, never
//     fetched and then compared. An INSERT must list an owner column. A
//     statement that reads every user's rows on purpose carries the comment
//     "-- tenantlint:all-owners <reason>" inside its text.
//   - rawdb: outside internal/postgres (and a few helpers that never touch
//     tenant data), no code opens or holds a pgx pool or connection or a
//     database/sql handle.
//   - ctxbg: no context.Background or context.TODO outside cmd/ and tests.
//
// Tenant tables are read from the goose migrations (by default
// internal/**/migrations/*.sql under the module root): every table that has
// a tenant_id column after the Up sections have run. There is no hand-kept
// list.
//
// Not checked: SQL built at run time (reported, not analysed), SQL passed to
// other functions, views and functions over tenant tables, the value bound
// to $n (that it is the scope's tenant is the database package's job), and
// tenant_id equalities through a subquery's or a CTE's output columns, which
// do not bind (write the predicate on the table itself).
package tenantlint
