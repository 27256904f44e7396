// Package postgres is a stand-in for Tenantry's database package: the only
// package allowed to hold pools and to pass non-constant SQL.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is what the scoped helper hands to callers.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// DB holds the pool.
type DB struct {
	pool *pgxpool.Pool
}

// Open opens the pool: allowed here.
func Open(ctx context.Context, dsn string) (*DB, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool}, nil
}

// Tx runs fn in a tenant-scoped transaction.
func (db *DB) Tx(ctx context.Context, fn func(q Querier) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", "t"); err != nil {
		return err
	}
	return fn(scoped{tx})
}

// Read runs fn in a read-only tenant-scoped transaction.
func (db *DB) Read(ctx context.Context, fn func(q Querier) error) error { return db.Tx(ctx, fn) }

// scoped forwards SQL it does not know: dynamic SQL is allowed here.
type scoped struct{ tx pgx.Tx }

func (s scoped) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return s.tx.Exec(ctx, sql, args...)
}

func (s scoped) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return s.tx.Query(ctx, sql, args...)
}

func (s scoped) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return s.tx.QueryRow(ctx, sql, args...)
}

// CrossTenant is a registered cross-tenant query.
type CrossTenant struct {
	Name  string
	Why   string
	SQL   string
	Reads []string
}

// System runs a registered query as the system role.
func (db *DB) System(ctx context.Context, ct CrossTenant, args ...any) (pgx.Rows, error) {
	return db.pool.Query(ctx, ct.SQL, args...)
}
