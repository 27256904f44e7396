package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantry/tenantry/internal/postgres"
)

// TestHoldJoins: under Hold, Tx and Read of the same scope run in the held transaction on a pool
// of one connection (a second connection would wait forever): a joined Tx that fails undoes its own
// statements only, a joined Read sees the held writes, and nothing commits when Hold's function
// fails.
func TestHoldJoins(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	setRole := func(ctx context.Context, role string) error {
		return w.db.Tx(ctx, func(q postgres.Querier) error {
			_, err := q.Exec(ctx, `UPDATE memberships SET role = $2 WHERE tenant_id = $1`, w.a.id.UUID(), role)
			return err
		})
	}
	roleOf := func(ctx context.Context) (role string, err error) {
		err = w.db.Read(ctx, func(q postgres.Querier) error {
			return q.QueryRow(ctx, `SELECT role FROM memberships WHERE tenant_id = $1`, w.a.id.UUID()).Scan(&role)
		})
		return role, err
	}
	abort := errors.New("abort")
	err := w.db.Hold(w.a.ctx, func(ctx context.Context, _ postgres.Querier) error {
		if err := setRole(ctx, "admin"); err != nil {
			return err
		}
		err := w.db.Tx(ctx, func(q postgres.Querier) error {
			if _, err := q.Exec(ctx, `UPDATE memberships SET role = 'viewer' WHERE tenant_id = $1`, w.a.id.UUID()); err != nil {
				return err
			}
			return abort
		})
		if !errors.Is(err, abort) {
			t.Errorf("the failing joined Tx returned %v", err)
		}
		if role, err := roleOf(ctx); err != nil || role != "admin" {
			t.Errorf("inside Hold, after a failed joined Tx: role %q (%v), want admin", role, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if role, err := roleOf(w.a.ctx); err != nil || role != "admin" {
		t.Errorf("after Hold committed: role %q (%v), want admin", role, err)
	}
	err = w.db.Hold(w.a.ctx, func(ctx context.Context, _ postgres.Querier) error {
		if err := setRole(ctx, "operator"); err != nil {
			return err
		}
		return abort
	})
	if !errors.Is(err, abort) {
		t.Fatalf("Hold returned %v", err)
	}
	if role, err := roleOf(w.a.ctx); err != nil || role != "admin" {
		t.Errorf("after Hold failed: role %q (%v), want admin (the joined Tx rolled back with it)", role, err)
	}
}
