// Package parking exercises tenantsql with hand-written pgx through the scoped helper.
package parking

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/tenantry/tenantry/internal/postgres"
)

// Store is a product store.
type Store struct{ db *postgres.DB }

const listSpaces = `SELECT s.id, s.code FROM spaces s WHERE s.tenant_id = $1 AND s.site_id = $2`

const listSpacesNoTenant = `SELECT s.id, s.code FROM spaces s WHERE s.site_id = $1`

func (st *Store) Selects(ctx context.Context, tenant, site string) error {
	return st.db.Read(ctx, func(q postgres.Querier) error {
		q.Query(ctx, listSpaces, tenant, site)
		q.Query(ctx, listSpacesNoTenant, site) // want `tenantsql: listSpacesNoTenant: table "spaces" \(alias s\) has no tenant_id = \$n predicate`
		// Unqualified tenant_id with one table; a cast parameter.
		q.Query(ctx, "SELECT id FROM spaces WHERE tenant_id = $1::uuid AND code = $2", tenant, "A1")
		q.QueryRow(ctx, "SELECT id FROM spaces WHERE code = $1", "A1") // want `table "spaces" has no tenant_id = \$n predicate`
		// Non-tenant tables need nothing; schema-qualified tenant table still counts.
		q.Query(ctx, "SELECT id, email FROM users WHERE email = $1", "x")
		q.Query(ctx, "SELECT id FROM public.spaces WHERE id = $1", "x") // want `table "spaces" has no tenant_id`
		// A literal is not a parameter.
		q.Query(ctx, "SELECT id FROM spaces WHERE tenant_id = '00000000-0000-0000-0000-000000000000'") // want `table "spaces" has no tenant_id`
		return nil
	})
}

func (st *Store) Joins(ctx context.Context, tenant string) error {
	return st.db.Read(ctx, func(q postgres.Querier) error {
		// Both bound by parameter.
		q.Query(ctx, `SELECT b.id FROM bookings b JOIN spaces s ON s.tenant_id = $1 AND s.id = b.space_id WHERE b.tenant_id = $1`, tenant)
		// Bound through an equality to a bound alias.
		q.Query(ctx, `SELECT b.id FROM bookings b JOIN spaces s ON s.tenant_id = b.tenant_id AND s.id = b.space_id WHERE b.tenant_id = $1`, tenant)
		// JOIN ... USING (tenant_id) links the two.
		q.Query(ctx, `SELECT b.id FROM spaces s JOIN bookings b USING (tenant_id) WHERE s.tenant_id = $1`, tenant)
		// The link alone binds nothing.
		q.Query(ctx, `SELECT b.id FROM bookings b JOIN spaces s ON s.tenant_id = b.tenant_id`) // want `table "bookings" \(alias b\) has no tenant_id` `table "spaces" \(alias s\) has no tenant_id`
		// One side bound, the other not.
		q.Query(ctx, `SELECT b.id FROM bookings b JOIN spaces s ON s.id = b.space_id WHERE b.tenant_id = $1`, tenant) // want `table "spaces" \(alias s\) has no tenant_id`
		// A non-tenant table needs no predicate.
		q.Query(ctx, `SELECT s.id FROM spaces s JOIN users u ON u.id = $2 WHERE s.tenant_id = $1`, tenant, "u")
		// LEFT JOIN: ON filters the right side, not the preserved left side.
		q.Query(ctx, `SELECT s.id FROM spaces s LEFT JOIN bookings b ON b.space_id = s.id AND b.tenant_id = s.tenant_id WHERE s.tenant_id = $1`, tenant)
		q.Query(ctx, `SELECT s.id FROM spaces s LEFT JOIN bookings b ON s.tenant_id = $1 AND b.tenant_id = $1 AND b.space_id = s.id`, tenant) // want `table "spaces" \(alias s\) has no tenant_id`
		// Comma join with the predicates in WHERE.
		q.Query(ctx, `SELECT s.id FROM spaces s, bookings b WHERE s.tenant_id = $1 AND b.tenant_id = s.tenant_id AND b.space_id = s.id`, tenant)
		// Unqualified tenant_id is ambiguous with two tables.
		q.Query(ctx, `SELECT s.id FROM spaces s, users u WHERE tenant_id = $1`, tenant) // want `table "spaces" \(alias s\) has no tenant_id = \$n predicate \(qualify tenant_id`
		// A self-join: each alias needs its own binding.
		q.Query(ctx, `SELECT a.id FROM spaces a JOIN spaces b ON b.site_id = a.site_id WHERE a.tenant_id = $1`, tenant) // want `table "spaces" \(alias b\) has no tenant_id`
		return nil
	})
}

func (st *Store) OrAndSubqueries(ctx context.Context, tenant string) error {
	return st.db.Read(ctx, func(q postgres.Querier) error {
		// An OR at the top level binds nothing.
		q.Query(ctx, `SELECT id FROM spaces WHERE tenant_id = $1 OR code = $2`, tenant, "A") // want `table "spaces" has no tenant_id`
		// An OR inside an AND is fine when the tenant conjunct stands alone.
		q.Query(ctx, `SELECT id FROM spaces WHERE tenant_id = $1 AND (code = $2 OR code = $3)`, tenant, "A", "B")
		// Subquery in WHERE checked as its own statement.
		q.Query(ctx, `SELECT id FROM spaces WHERE tenant_id = $1 AND id IN (SELECT space_id FROM bookings WHERE user_id = $2)`, tenant, "u") // want `table "bookings" has no tenant_id`
		q.Query(ctx, `SELECT id FROM spaces WHERE tenant_id = $1 AND id IN (SELECT space_id FROM bookings WHERE tenant_id = $1 AND user_id = $2)`, tenant, "u")
		// A correlated subquery may bind through a bound outer alias.
		q.Query(ctx, `SELECT s.id FROM spaces s WHERE s.tenant_id = $1 AND EXISTS (SELECT 1 FROM bookings b WHERE b.space_id = s.id AND b.tenant_id = s.tenant_id)`, tenant)
		// ... but not through an unbound one.
		q.Query(ctx, `SELECT s.id FROM spaces s WHERE s.code = $1 AND EXISTS (SELECT 1 FROM bookings b WHERE b.tenant_id = s.tenant_id AND b.tenant_id = b.tenant_id)`, "A") // want `table "spaces" \(alias s\) has no tenant_id` `table "bookings" \(alias b\) has no tenant_id`
		// Subquery in FROM and in the select list.
		q.Query(ctx, `SELECT x.id FROM (SELECT id FROM spaces) x`)                                                                          // want `table "spaces" has no tenant_id`
		q.Query(ctx, `SELECT s.id, (SELECT count(*) FROM bookings b WHERE b.space_id = s.id) FROM spaces s WHERE s.tenant_id = $1`, tenant) // want `table "bookings" \(alias b\) has no tenant_id`
		// UNION: each side on its own.
		q.Query(ctx, `SELECT id FROM spaces WHERE tenant_id = $1 UNION ALL SELECT id FROM bookings`, tenant) // want `table "bookings" has no tenant_id`
		return nil
	})
}

func (st *Store) CTEs(ctx context.Context, tenant string) error {
	return st.db.Read(ctx, func(q postgres.Querier) error {
		q.Query(ctx, `WITH mine AS (SELECT id FROM spaces WHERE tenant_id = $1) SELECT id FROM mine`, tenant)
		q.Query(ctx, `WITH mine AS (SELECT id FROM spaces) SELECT id FROM mine`) // want `table "spaces" has no tenant_id`
		// A CTE named like a tenant table shadows it.
		q.Query(ctx, `WITH bookings AS (SELECT id FROM spaces WHERE tenant_id = $1) SELECT id FROM bookings`, tenant)
		// Data-modifying CTE.
		q.Query(ctx, `WITH gone AS (DELETE FROM bookings WHERE space_id = $1 RETURNING id) SELECT count(*) FROM gone`, "s") // want `table "bookings" has no tenant_id`
		return nil
	})
}

func (st *Store) Writes(ctx context.Context, tenant string) error {
	return st.db.Tx(ctx, func(q postgres.Querier) error {
		q.Exec(ctx, `INSERT INTO spaces (tenant_id, id, site_id, code) VALUES ($1, $2, $3, $4)`, tenant, "i", "s", "c")
		q.Exec(ctx, `INSERT INTO spaces (id, site_id, code) VALUES ($1, $2, $3)`, "i", "s", "c") // want `INSERT into tenant table "spaces" does not list tenant_id in its columns`
		q.Exec(ctx, `INSERT INTO spaces VALUES ($1, $2, $3, $4)`, tenant, "i", "s", "c")         // want `INSERT into tenant table "spaces" does not list tenant_id`
		q.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, $2)`, "i", "e")
		// ON CONFLICT targets are fine.
		q.Exec(ctx, `INSERT INTO spaces (tenant_id, id, site_id, code) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, id) DO UPDATE SET code = EXCLUDED.code`, tenant, "i", "s", "c")
		// INSERT ... SELECT: the SELECT is checked too.
		q.Exec(ctx, `INSERT INTO bookings (tenant_id, id, space_id, user_id) SELECT tenant_id, $2, id, $3 FROM spaces WHERE code = $4`, tenant, "b", "u", "c") // want `table "spaces" has no tenant_id`
		q.Exec(ctx, `INSERT INTO bookings (tenant_id, id, space_id, user_id) SELECT tenant_id, $2, id, $3 FROM spaces WHERE tenant_id = $1 AND code = $4`, tenant, "b", "u", "c")
		// Tables given tenant_id by ALTER TABLE count.
		q.Exec(ctx, `INSERT INTO audit_log (id, body) VALUES ($1, $2)`, "i", "b") // want `INSERT into tenant table "audit_log"`
		// UPDATE and DELETE.
		q.Exec(ctx, `UPDATE spaces SET code = $2 WHERE tenant_id = $1 AND id = $3`, tenant, "c", "i")
		q.Exec(ctx, `UPDATE spaces SET code = $1 WHERE id = $2`, "c", "i") // want `table "spaces" has no tenant_id`
		q.Exec(ctx, `UPDATE spaces s SET code = $2 FROM bookings b WHERE s.tenant_id = $1 AND b.tenant_id = s.tenant_id AND b.space_id = s.id`, tenant, "c")
		q.Exec(ctx, `UPDATE spaces s SET code = $2 FROM bookings b WHERE s.tenant_id = $1 AND b.space_id = s.id`, tenant, "c") // want `table "bookings" \(alias b\) has no tenant_id`
		q.Exec(ctx, `DELETE FROM bookings WHERE tenant_id = $1 AND id = $2`, tenant, "i")
		q.Exec(ctx, `DELETE FROM bookings WHERE id = $1`, "i") // want `table "bookings" has no tenant_id`
		q.Exec(ctx, `DELETE FROM bookings b USING spaces s WHERE b.tenant_id = $1 AND s.tenant_id = $1 AND b.space_id = s.id`, tenant)
		// The dropped table and the Down section's table are not tenant tables.
		q.Exec(ctx, `DELETE FROM scratch`)
		q.Exec(ctx, `DELETE FROM ghosts`)
		return nil
	})
}

func (st *Store) Batches(ctx context.Context, tenant string) {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('app.tenant_id', $1, true)`, tenant)
	b.Queue(`SELECT id FROM spaces WHERE tenant_id = $1`, tenant)
	b.Queue(`SELECT id FROM spaces`) // want `table "spaces" has no tenant_id`
}

func (st *Store) Broken(ctx context.Context, tenant, order string) error {
	return st.db.Read(ctx, func(q postgres.Querier) error {
		q.Query(ctx, `SELECT id FORM spaces WHERE tenant_id = $1`, tenant)                 // want `tenantsql: SQL does not parse: syntax error at or near "spaces"`
		q.Query(ctx, "SELECT id FROM spaces WHERE tenant_id = $1 ORDER BY "+order, tenant) // want `tenantsql: dynamic SQL passed to Query cannot be checked: build it from constants \(checked here\) or register it as a postgres.CrossTenant query`
		sql := fmt.Sprintf("SELECT id FROM %s", "spaces")
		q.Exec(ctx, sql) // want `dynamic SQL passed to Exec`
		// Constant concatenation is still constant and checked.
		q.Query(ctx, "SELECT id FROM spaces "+"WHERE tenant_id = $1", tenant)
		return nil
	})
}
