package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// world is two tenants, each with a row in every core tenant table, made through the scoped helper.
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
		stmts := []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, []any{tn.id.UUID(), "Tenant " + name, "slug-" + name + "-" + tn.id.String()[:8]}},
			{`INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'x')`, []any{tn.user.UUID(), name + tn.id.String()[:8] + "@example.com", "User " + name}},
			{`INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, 'owner')`, []any{tn.id.UUID(), tenancy.NewID(), tn.user.UUID()}},
			{`INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, sha256('x'), now() + interval '1 day')`,
				[]any{tn.id.UUID(), tenancy.NewID(), tenancy.NewID(), tn.user.UUID()}},
			{`INSERT INTO audit_events (tenant_id, id, principal_kind, action, outcome) VALUES ($1, $2, 'user', 'test.seed', 'success')`, []any{tn.id.UUID(), tenancy.NewID()}},
			{`INSERT INTO api_keys (tenant_id, id, name, scopes, role_ceiling, created_by, secret_hash) VALUES ($1, $2, 'k', '{tenant:read}', 'owner', $3, sha256('x'))`,
				[]any{tn.id.UUID(), tenancy.NewID(), tn.user.UUID()}},
		}
		stmts = append(stmts, parkingSeeds(tn.id)...)
		stmts = append(stmts, accessSeeds(tn.id, tn.user)...)
		for _, s := range stmts {
			if _, err := q.Exec(tn.ctx, s.sql, s.args...); err != nil {
				return fmt.Errorf("%s: %w", s.sql, err)
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

// tenantTables lists every table with a tenant_id column, from the catalog: a table added next
// year is covered without touching this test.
func tenantTables(t *testing.T, superURL string) []string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), superURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		t.Fatalf("tenant tables: %v (found %d)", err, len(tables))
	}
	return tables
}

// TestIsolationEveryTenantTable runs, for every table with tenant_id and as the application role:
// a positive control (A sees its own rows), then as B: no SELECT of A's rows, UPDATE and DELETE of
// A's rows affect nothing, an INSERT with A's tenant_id is refused; and with no tenant set,
// nothing is visible.
func TestIsolationEveryTenantTable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 4)
	for _, table := range tenantTables(t, w.env.SuperURL) {
		t.Run(table, func(t *testing.T) {
			checkTableIsolation(t, w, table)
		})
	}
}

// checkTableIsolation is TestIsolationEveryTenantTable's check of one table; it takes a testing.TB
// so the mutation test (mutation_test.go) can run it against a broken policy and see it fail.
func checkTableIsolation(t testing.TB, w *world, table string) {
	ident := pgx.Identifier{table}.Sanitize()
	count := func(ctx context.Context, where string, args ...any) int {
		var n int
		err := w.db.Read(ctx, func(q postgres.Querier) error {
			return q.QueryRow(ctx, "SELECT count(*) FROM "+ident+" "+where, args...).Scan(&n)
		})
		if err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		return n
	}
	if n := count(w.a.ctx, ""); n == 0 {
		t.Fatalf("positive control: tenant A sees no row of %s (seed every tenant table in newWorld)", table)
	}
	if n := count(w.b.ctx, "WHERE tenant_id = $1", w.a.id.UUID()); n != 0 {
		t.Errorf("tenant B sees %d of A's rows in %s", n, table)
	}
	if n := count(w.b.ctx, ""); n != count(w.b.ctx, "WHERE tenant_id = $1", w.b.id.UUID()) {
		t.Errorf("tenant B sees rows of other tenants in %s", table)
	}
	for _, verb := range []string{"UPDATE", "DELETE"} {
		stmt, ok := writeStatement(t, w, table, verb)
		if !ok {
			continue // the application role may not do this at all
		}
		var tag pgconn.CommandTag
		err := w.db.Tx(w.b.ctx, func(q postgres.Querier) (err error) {
			tag, err = q.Exec(w.b.ctx, stmt, w.a.id.UUID())
			return err
		})
		if err != nil && !isCode(err, "P0001", "42501") {
			t.Errorf("%s of A's rows in %s as B: %v", verb, table, err)
		}
		if tag.RowsAffected() != 0 {
			t.Errorf("%s of A's rows in %s as B affected %d rows", verb, table, tag.RowsAffected())
		}
	}
	// Copy one of B's own rows with A's tenant_id: the policy's WITH CHECK must refuse it.
	err := w.db.Tx(w.b.ctx, func(q postgres.Querier) error {
		_, err := q.Exec(w.b.ctx, `INSERT INTO `+ident+` SELECT (jsonb_populate_record(NULL::`+ident+`,
			to_jsonb(x) || jsonb_build_object('tenant_id', $1::uuid))).* FROM `+ident+` x LIMIT 1`, w.a.id.UUID())
		return err
	})
	if !isCode(err, "42501") {
		t.Errorf("INSERT into %s with A's tenant_id as B: want SQLSTATE 42501 (row-level security), got %v", table, err)
	}
	checkNoTenant(t, w, ident)
}

// writeStatement builds an UPDATE or DELETE of tenant $1's rows, if the application role has the
// privilege; UPDATE sets a column the role may update to itself.
func writeStatement(t testing.TB, w *world, table, verb string) (string, bool) {
	conn := superConn(t, w.env.SuperURL)
	ident := pgx.Identifier{table}.Sanitize()
	if verb == "DELETE" {
		var ok bool
		if err := conn.QueryRow(t.Context(), `SELECT has_table_privilege($1, $2, 'DELETE')`, postgres.AppRole, table).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return "DELETE FROM " + ident + " WHERE tenant_id = $1", ok
	}
	var col string
	err := conn.QueryRow(t.Context(), `SELECT attname FROM pg_attribute WHERE attrelid = $2::regclass AND attnum > 0
		AND NOT attisdropped AND has_column_privilege($1, $2, attname, 'UPDATE') ORDER BY attnum LIMIT 1`, postgres.AppRole, table).Scan(&col)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	c := pgx.Identifier{col}.Sanitize()
	return "UPDATE " + ident + " SET " + c + " = " + c + " WHERE tenant_id = $1", true
}

// checkNoTenant connects as the application role and reads without any tenant setting.
func checkNoTenant(t testing.TB, w *world, ident string) {
	conn, err := pgx.Connect(t.Context(), w.env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM "+ident).Scan(&n); err != nil {
		t.Fatalf("no tenant set: %v", err)
	}
	if n != 0 {
		t.Errorf("with no tenant set, %s shows %d rows", ident, n)
	}
	if _, err := conn.Exec(t.Context(), "SELECT set_config('app.tenant_id', '', false)"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM "+ident).Scan(&n); err != nil || n != 0 {
		t.Errorf("with the tenant setting '', %s: %d rows, %v", ident, n, err)
	}
}

func superConn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func isCode(err error, codes ...string) bool {
	for _, c := range codes {
		if postgres.IsCode(err, c) {
			return true
		}
	}
	return false
}

// TestGlobalRowsAreScoped checks the two tables without tenant_id that still hold tenant-owned
// rows: a tenant's own row and a user's row.
func TestGlobalRowsAreScoped(t *testing.T) {
	t.Parallel()
	checkGlobalRows(t, newWorld(t, 2))
}

// checkGlobalRows is TestGlobalRowsAreScoped's check, reused by the mutation test.
func checkGlobalRows(t testing.TB, w *world) {
	var n int
	err := w.db.Read(w.b.ctx, func(q postgres.Querier) error {
		return q.QueryRow(w.b.ctx, `SELECT (SELECT count(*) FROM tenants WHERE id = $1) + (SELECT count(*) FROM users WHERE id = $2)`,
			w.a.id.UUID(), w.a.user.UUID()).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("B sees A's tenant or user rows: %d, %v", n, err)
	}
	err = w.db.Read(w.a.ctx, func(q postgres.Querier) error {
		return q.QueryRow(w.a.ctx, `SELECT (SELECT count(*) FROM tenants WHERE id = $1) + (SELECT count(*) FROM users WHERE id = $2)`,
			w.a.id.UUID(), w.a.user.UUID()).Scan(&n)
	})
	if err != nil || n != 2 {
		t.Errorf("positive control: A sees %d of its own tenant and user rows, want 2 (%v)", n, err)
	}
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
