package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// BenchmarkScopedRead compares the same tenant-scoped query sent three ways, as the application
// role over the unix socket:
//   - read: DB.Read, the tenant setting pipelined with the statement (one round trip);
//   - tx: DB.Tx, BEGIN + setting + statement pipelined, then COMMIT (two round trips);
//   - four_round_trips: BEGIN; set_config; SELECT; COMMIT, each sent on its own.
//
// Compare with benchstat; the ratio read / four_round_trips is the figure in the README.
func BenchmarkScopedRead(b *testing.B) {
	env := testenv.NewDB(b)
	db := env.Open(b, 4)
	tenants := make([]context.Context, 8)
	for i := range tenants {
		id, user := tenancy.TenantID(tenancy.NewID()), tenancy.UserID(tenancy.NewID())
		ctx, _ := tenancy.WithScope(context.Background(), tenancy.Scope{Tenant: id, Role: tenancy.RoleOwner,
			Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: user}})
		tenants[i] = ctx
		err := db.Tx(ctx, func(q postgres.Querier) error {
			if _, err := q.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)`, id.UUID(), fmt.Sprint("b", i)); err != nil {
				return err
			}
			for j := 0; j < 50; j++ {
				if _, err := q.Exec(ctx, `INSERT INTO audit_events (tenant_id, id, principal_kind, action, outcome) VALUES ($1, $2, 'user', 'bench', 'success')`, id.UUID(), tenancy.NewID()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	const query = `SELECT id, action, occurred_at FROM audit_events WHERE tenant_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 50`
	scan := func(rows pgx.Rows) error {
		n := 0
		for rows.Next() {
			n++
		}
		if n != 50 {
			return fmt.Errorf("got %d rows", n)
		}
		return rows.Err()
	}
	run := func(b *testing.B, fn func(ctx context.Context) error) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if err := fn(tenants[i%len(tenants)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	}
	tenantOf := func(ctx context.Context) any { s, _ := tenancy.FromContext(ctx); return s.Tenant.UUID() }
	b.Run("read", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			return db.Read(ctx, func(q postgres.Querier) error {
				rows, err := q.Query(ctx, query, tenantOf(ctx))
				if err != nil {
					return err
				}
				return scan(rows)
			})
		})
	})
	b.Run("tx", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			return db.Tx(ctx, func(q postgres.Querier) error {
				rows, err := q.Query(ctx, query, tenantOf(ctx))
				if err != nil {
					return err
				}
				return scan(rows)
			})
		})
	})
	b.Run("four_round_trips", func(b *testing.B) {
		pool := db.AppPool()
		run(b, func(ctx context.Context) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				s, _ := tenancy.FromContext(ctx)
				if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, s.Tenant.String()); err != nil {
					return err
				}
				rows, err := tx.Query(ctx, query, tenantOf(ctx))
				if err != nil {
					return err
				}
				return scan(rows)
			})
		})
	})
}
