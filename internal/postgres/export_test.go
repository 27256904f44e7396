package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// AppPool exposes the application pool to this package's tests (pool-reuse checks).
func (db *DB) AppPool() *pgxpool.Pool { return db.app }
