package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/platform/apikeys"
	"github.com/tenantry/tenantry/internal/platform/idempotency"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/platform/staff"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// seeders write one row of every tenant table for a tenant and its owner: each package that owns
// tenant tables provides its IsolationSeeds next to its migrations, in the order of
// app.Migrations (a row may refer to rows of the packages before it). A package whose tables are
// missing here fails the positive control of TestIsolationEveryTenantTable.
var seeders = []func(tenancy.TenantID, tenancy.UserID) []postgres.Seed{
	postgres.IsolationSeeds, apikeys.IsolationSeeds, identity.IsolationSeeds, mail.IsolationSeeds, staff.IsolationSeeds, idempotency.IsolationSeeds, webhooks.IsolationSeeds,
	parking.IsolationSeeds, flows.IsolationSeeds,
}

// world is two tenants, each with a row in every tenant table, made through the scoped helper.
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

// seedTenant makes a tenant with its owner and runs every seeder for it in one scoped transaction.
func (w *world) seedTenant(t *testing.T, name string) tenant {
	t.Helper()
	tn := tenant{id: tenancy.TenantID(tenancy.NewID()), user: tenancy.UserID(tenancy.NewID())}
	tn.ctx = scoped(t, tn.id, tn.user)
	err := w.db.Tx(tn.ctx, func(q postgres.Querier) error {
		for _, seeds := range seeders {
			for _, s := range seeds(tn.id, tn.user) {
				if _, err := q.Exec(tn.ctx, s.SQL, s.Args...); err != nil {
					return fmt.Errorf("%s: %w", s.SQL, err)
				}
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
		t.Fatalf("positive control: tenant A sees no row of %s (its package's IsolationSeeds must write one; see seeders)", table)
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

// readOnlyGlobals are the registered global tables the application role may only read: the
// catalogues every tenant shares (flow_global_categories, flow_global_tags).
func readOnlyGlobals() []string {
	var out []string
	for table, privs := range postgres.GlobalTables() {
		if len(privs) == 1 && privs[0] == "SELECT" {
			out = append(out, table)
		}
	}
	slices.Sort(out)
	return out
}

// TestGlobalCataloguesAreReadOnly: as the application role in a tenant's scope, a shared catalogue
// reads (its rows exist: the positive control) and refuses every write.
func TestGlobalCataloguesAreReadOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	tables := readOnlyGlobals()
	if len(tables) == 0 {
		t.Fatal("no read-only global table is registered; the check proves nothing")
	}
	for _, table := range tables {
		checkReadOnlyGlobal(t, w, table)
	}
}

// checkReadOnlyGlobal is one table of TestGlobalCataloguesAreReadOnly, reused by the mutation test.
func checkReadOnlyGlobal(t testing.TB, w *world, table string) {
	ident := pgx.Identifier{table}.Sanitize()
	var n int
	err := w.db.Read(w.a.ctx, func(q postgres.Querier) error {
		return q.QueryRow(w.a.ctx, "SELECT count(*) FROM "+ident).Scan(&n)
	})
	if err != nil || n == 0 {
		t.Errorf("positive control: %s shows %d rows to a tenant (%v)", table, n, err)
	}
	writes := map[string]string{
		"INSERT": "INSERT INTO " + ident + " SELECT * FROM " + ident + " LIMIT 1",
		"UPDATE": "UPDATE " + ident + " SET id = id",
		"DELETE": "DELETE FROM " + ident,
	}
	errRollback := errors.New("rolled back")
	for _, verb := range []string{"INSERT", "UPDATE", "DELETE"} {
		err := w.db.Tx(w.a.ctx, func(q postgres.Querier) error {
			if _, err := q.Exec(w.a.ctx, writes[verb]); err != nil {
				return err
			}
			return errRollback // a write that went through is undone: the catalogue stays whole
		})
		if !isCode(err, "42501") {
			t.Errorf("%s on the shared catalogue %s: want permission denied, got %v", verb, table, err)
		}
	}
}
