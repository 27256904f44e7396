package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WithAppPool hands the application-role pool to the constructor of a library driver that runs
// its own SQL on tables holding no tenant data: the River job queue (internal/jobs) keeps its
// river_* tables through it. The caller never names the pool, so the rawdb analyzer still holds
// everywhere else; tenant data is reached only through DB.Tx and DB.Read, where a job
// re-establishes its tenant scope.
func WithAppPool[T any](db *DB, build func(*pgxpool.Pool) T) T {
	return build(db.app)
}

// WithTx hands fn the pgx transaction under q, the Querier that DB.Tx (or AsUser, Global) gave its
// function, so that a library running its own SQL on tables holding no tenant data joins the
// caller's transaction: River's InsertTx (internal/jobs), whose job then exists exactly when the
// caller's change commits. The transaction stays the caller's, bound to its scope: fn must neither
// commit nor roll it back. If the caller has run no statement yet, the transaction begins here.
// DB.Read has no transaction to hand over, and WithTx fails there.
func WithTx(ctx context.Context, q Querier, fn func(pgx.Tx) error) error {
	lt, ok := q.(*lazyTx)
	if !ok {
		return errors.New("postgres: with tx: the querier is not a transaction of DB.Tx")
	}
	tx, err := lt.pgxTx(ctx)
	if err != nil {
		return translate(fmt.Errorf("postgres: with tx: %w", err))
	}
	return fn(tx)
}
