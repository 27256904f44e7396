// Package stdlib is a stand-in for github.com/jackc/pgx/v5/stdlib.
package stdlib

import (
	"database/sql"

	"github.com/jackc/pgx/v5/pgxpool"
)

func OpenDBFromPool(pool *pgxpool.Pool) *sql.DB { return nil }
