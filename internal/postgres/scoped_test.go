package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// world is two tenants, each with a row in every table of the core migrations
// (postgres.IsolationSeeds), made through the scoped helper. The isolation tests of every tenant
// table, which seed the tables of every package, are internal/app's.
type world struct {
	db   *postgres.DB
	env  testenv.DB
	a, b tenant
}

type tenant struct {
	id   tenancy.TenantID
	user tenancy.UserID
	ctx  context.Context // scoped to the tenant as its owner
}

func newWorld(t *testing.T, maxConns int32) *world {
	t.Helper()
	env := testenv.NewDB(t)
	w := &world{db: env.Open(t, maxConns), env: env}
	w.a, w.b = w.seedTenant(t, "a"), w.seedTenant(t, "b")
	return w
}

func (w *world) seedTenant(t *testing.T, name string) tenant {
	t.Helper()
	tn := tenant{id: tenancy.TenantID(tenancy.NewID()), user: tenancy.UserID(tenancy.NewID())}
	tn.ctx = scoped(t, tn.id, tn.user)
	err := w.db.Tx(tn.ctx, func(q postgres.Querier) error {
		for _, s := range postgres.IsolationSeeds(tn.id, tn.user) {
			if _, err := q.Exec(tn.ctx, s.SQL, s.Args...); err != nil {
				return fmt.Errorf("%s: %w", s.SQL, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed %s: %v", name, err)
	}
	return tn
}

func scoped(t *testing.T, id tenancy.TenantID, user tenancy.UserID) context.Context {
	t.Helper()
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: id, Role: tenancy.RoleOwner,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: user}})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func isCode(err error, codes ...string) bool {
	for _, c := range codes {
		if postgres.IsCode(err, c) {
			return true
		}
	}
	return false
}

// TestPooledConnectionForgetsTenant uses a pool of one connection: after scoped work commits, rolls
// back or fails, the same connection carries no tenant and sees nothing.
func TestPooledConnectionForgetsTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	check := func(when string) {
		t.Helper()
		conn, err := w.db.AppPool().Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		var setting string
		var n int
		err = conn.QueryRow(t.Context(), `SELECT coalesce(current_setting('app.tenant_id', true), ''), (SELECT count(*) FROM memberships)`).Scan(&setting, &n)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if setting != "" || n != 0 {
			t.Errorf("%s: the pooled connection still has tenant %q and sees %d rows", when, setting, n)
		}
	}
	read := func(q postgres.Querier) error {
		var n int
		if err := q.QueryRow(w.a.ctx, `SELECT count(*) FROM memberships`).Scan(&n); err != nil || n != 1 {
			return fmt.Errorf("A sees %d memberships: %w", n, err)
		}
		return nil
	}
	if err := w.db.Read(w.a.ctx, read); err != nil {
		t.Fatal(err)
	}
	check("after Read")
	if err := w.db.Tx(w.a.ctx, read); err != nil {
		t.Fatal(err)
	}
	check("after Tx commit")
	boom := errors.New("boom")
	if err := w.db.Tx(w.a.ctx, func(q postgres.Querier) error { _ = read(q); return boom }); !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want boom", err)
	}
	check("after Tx rollback")
	_ = w.db.Tx(w.a.ctx, func(q postgres.Querier) error {
		_, err := q.Exec(w.a.ctx, `SELECT 1/0`)
		return err
	})
	check("after a failed statement")
	func() {
		defer func() { _ = recover() }()
		_ = w.db.Tx(w.a.ctx, func(q postgres.Querier) error { _ = read(q); panic("boom") })
	}()
	check("after a panic")
}

// TestReadIsReadOnly shows Read refuses writes and Tx rolls back everything on error.
func TestReadIsReadOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	err := w.db.Read(w.a.ctx, func(q postgres.Querier) error {
		_, err := q.Exec(w.a.ctx, `UPDATE memberships SET role = 'viewer' WHERE tenant_id = $1`, w.a.id.UUID())
		return err
	})
	if !isCode(err, "25006") {
		t.Errorf("write in Read: want SQLSTATE 25006 (read-only transaction), got %v", err)
	}
	ctx, cancel := context.WithTimeout(w.a.ctx, 10*time.Second)
	defer cancel()
	err = w.db.Tx(ctx, func(q postgres.Querier) error {
		if _, err := q.Exec(ctx, `UPDATE memberships SET role = 'viewer' WHERE tenant_id = $1`, w.a.id.UUID()); err != nil {
			return err
		}
		return errors.New("abort")
	})
	if err == nil {
		t.Fatal("Tx with a failing function returned nil")
	}
	var role string
	if err := w.db.Read(w.a.ctx, func(q postgres.Querier) error {
		return q.QueryRow(w.a.ctx, `SELECT role FROM memberships WHERE tenant_id = $1`, w.a.id.UUID()).Scan(&role)
	}); err != nil || role != "owner" {
		t.Errorf("after rollback the role is %q (%v), want owner", role, err)
	}
}

// TestNoScopeNoQuery: without a scope in the context the helper runs nothing.
func TestNoScopeNoQuery(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	ran := false
	err := w.db.Tx(t.Context(), func(q postgres.Querier) error { ran = true; return nil })
	if !errors.Is(err, tenancy.ErrNoScope) || ran {
		t.Errorf("Tx without scope: err %v, ran %v", err, ran)
	}
}

// TestRowsLeftOpen: a function that returns without closing its rows still commits (Tx) or
// returns (Read) cleanly, and the connection is usable afterwards.
func TestRowsLeftOpen(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	leave := func(q postgres.Querier) error {
		_, err := q.Query(w.a.ctx, `SELECT id FROM memberships WHERE tenant_id = $1`, w.a.id.UUID())
		return err
	}
	if err := w.db.Tx(w.a.ctx, leave); err != nil {
		t.Errorf("Tx with rows left open: %v", err)
	}
	if err := w.db.Read(w.a.ctx, leave); err != nil {
		t.Errorf("Read with rows left open: %v", err)
	}
	var n int
	if err := w.db.Read(w.a.ctx, func(q postgres.Querier) error {
		return q.QueryRow(w.a.ctx, `SELECT count(*) FROM memberships WHERE tenant_id = $1`, w.a.id.UUID()).Scan(&n)
	}); err != nil || n != 1 {
		t.Errorf("the next read: %d, %v", n, err)
	}
}
