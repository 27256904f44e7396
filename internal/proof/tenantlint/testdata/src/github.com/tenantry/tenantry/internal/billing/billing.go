// Package billing is a product package: it must not hold pools or connections.
package billing

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/tenantry/tenantry/internal/postgres"
)

type Service struct {
	db   *postgres.DB
	pool *pgxpool.Pool // want `rawdb: \*pgxpool.Pool holds a database connection: only internal/postgres may hold connections`
}

func Open(ctx context.Context, dsn string) error {
	pool, err := pgxpool.New(ctx, dsn) // want `rawdb: pgxpool.New opens a database connection`
	if err != nil {
		return err
	}
	conn, _ := pgx.Connect(ctx, dsn) // want `rawdb: pgx.Connect opens a database connection`
	_ = conn
	raw, _ := pgconn.Connect(ctx, dsn) // want `rawdb: pgconn.Connect opens a database connection`
	_ = raw
	db, _ := sql.Open("pgx", dsn) // want `rawdb: sql.Open opens a database connection`
	_ = db
	std := stdlib.OpenDBFromPool(pool) // want `rawdb: stdlib.OpenDBFromPool opens a database connection`
	_ = std
	c, _ := pool.Acquire(ctx) // want `rawdb: this call returns \*pgxpool.Conn, which holds a database connection`
	c.Release()
	return nil
}

func hold(c *pgx.Conn) {} // want `rawdb: \*pgx.Conn holds a database connection`

func (s *Service) Pool() {
	_ = s.pool // want `rawdb: field pool is a \*pgxpool.Pool`
}

// Types only: fine anywhere.
func scan(rows pgx.Rows, tag pgconn.CommandTag, err error) bool {
	_ = tag.RowsAffected()
	return errors.Is(err, pgx.ErrNoRows) && rows.Next()
}

// The scoped helper: fine.
func List(ctx context.Context, db *postgres.DB) error {
	return db.Read(ctx, func(q postgres.Querier) error {
		_, err := q.Query(ctx, `SELECT 1`)
		return err
	})
}
