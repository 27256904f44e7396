// Package pgtest is allowed to hold pools and make root contexts.
package pgtest

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

func Pool(dsn string) (*pgxpool.Pool, error) {
	return pgxpool.New(context.Background(), dsn)
}
