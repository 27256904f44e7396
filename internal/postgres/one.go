package postgres

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// One passes on the result of a query that reads one row, with "no row" turned into
// errs.ErrNotFound: the one NotFound every 404 of the API carries, so that another tenant's
// object, a deleted one and a random id are indistinguishable. Wrap a read-one call with it inside
// a transaction: row, err := postgres.One(st.LockSpace(ctx, p)).
func One[T any](v T, err error) (T, error) {
	if IsNoRows(err) {
		return v, errs.ErrNotFound
	}
	return v, err
}

// Get reads one object of the tenant in ctx's scope, in a read bound to that scope: get runs
// the query with the querier and the tenant id, and "no row" is errs.ErrNotFound (see One).
func Get[T any](ctx context.Context, db *DB, get func(q Querier, tenant uuid.UUID) (T, error)) (T, error) {
	var out T
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return out, err
	}
	err = db.Read(ctx, func(q Querier) error {
		out, err = One(get(q, sc.Tenant.UUID()))
		return err
	})
	return out, err
}
