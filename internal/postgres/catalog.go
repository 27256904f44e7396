package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// InspectCatalog connects with url and runs fn in one read-only transaction, for tools that read
// the system catalogs (tenantry verify). It reaches no tenant data: no tenant is set.
func InspectCatalog(ctx context.Context, url string, fn func(Querier) error) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("postgres: inspect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return fn(tx)
	})
}
