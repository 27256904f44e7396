package app_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres"
)

// TestNoSurvivingMutant breaks the row-level security of one table at a time on a scratch
// database and runs the database-level isolation checks of isolation_test.go against it: each
// broken table must make its check fail. A mutant that survives means the checks would not notice
// that broken policy in production. The mutants, per table with tenant_id (and for the tenants and
// users tables, checked by checkGlobalRows; the shared read-only catalogues get one mutant per
// write privilege granted to the application role, checked by checkReadOnlyGlobal):
//
//   - drop: the table's policy is dropped (RLS stays on: no row is visible, the positive control fails);
//   - disable: ALTER TABLE ... DISABLE ROW LEVEL SECURITY;
//   - permissive: the policy is replaced by USING (true) WITH CHECK (true).
//
// After each mutant the schema is restored and a fresh pair of tenants is seeded (a mutant lets B
// delete A's rows, which would weaken the next check). NO FORCE ROW LEVEL SECURITY is not a mutant
// here: it only matters to the table's owner, never to the application role these checks run as;
// `tenantry verify` reports it (rls.forced).
func TestNoSurvivingMutant(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	owner := superConn(t, w.env.OwnerURL)
	checks := map[string]func(testing.TB){}
	for _, table := range tenantTables(t, w.env.SuperURL) {
		checks[table] = func(tb testing.TB) { checkTableIsolation(tb, w, table) }
	}
	for _, table := range []string{"tenants", "users"} {
		checks[table] = func(tb testing.TB) { checkGlobalRows(tb, w) }
	}
	readOnly := readOnlyGlobals()
	for _, table := range readOnly {
		checks[table] = func(tb testing.TB) { checkReadOnlyGlobal(tb, w, table) }
	}
	killed, round := 0, 0
	for _, table := range sortedTables(checks) {
		var ms []mutant
		if slices.Contains(readOnly, table) {
			ms = grantMutants(table)
		} else if policies := policiesOf(t, owner, table); len(policies) > 0 {
			ms = mutants(table, policies)
		} else {
			t.Errorf("%s has no policy to mutate", table)
			continue
		}
		for _, m := range ms {
			mutate(t, owner, m.apply)
			failures := runCheck(t, checks[table])
			mutate(t, owner, m.restore)
			round++
			w.a, w.b = w.seedTenant(t, fmt.Sprintf("a%d", round)), w.seedTenant(t, fmt.Sprintf("b%d", round))
			if len(failures) == 0 {
				t.Errorf("mutant survived: %s: the isolation checks pass with it", m.name)
				continue
			}
			killed++
			t.Logf("killed %s: %s", m.name, failures[0])
		}
	}
	// The restored schema passes again: no mutant leaked into the next.
	for _, table := range sortedTables(checks) {
		if failures := runCheck(t, checks[table]); len(failures) > 0 {
			t.Errorf("after restoring, the check of %s fails: %v", table, failures)
		}
	}
	t.Logf("%d mutants killed over %d tables", killed, len(checks))
}

func sortedTables(m map[string]func(testing.TB)) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// policy is a row-level security policy as the catalog describes it.
type policy struct {
	name, permissive, cmd, using, check string
	roles                               []string
}

func policiesOf(t *testing.T, conn *pgx.Conn, table string) []policy {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT policyname, permissive, cmd, coalesce(qual, ''), coalesce(with_check, ''), roles::text[]
		FROM pg_policies WHERE schemaname = 'public' AND tablename = $1 ORDER BY policyname`, table)
	if err != nil {
		t.Fatal(err)
	}
	var out []policy
	for rows.Next() {
		var p policy
		if err := rows.Scan(&p.name, &p.permissive, &p.cmd, &p.using, &p.check, &p.roles); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type mutant struct {
	name           string
	apply, restore []string
}

// create is the statement that recreates p on table.
func (p policy) create(table string) string {
	roles := make([]string, len(p.roles))
	for i, r := range p.roles {
		roles[i] = r
		if r != "public" {
			roles[i] = pgx.Identifier{r}.Sanitize()
		}
	}
	s := fmt.Sprintf("CREATE POLICY %s ON %s AS %s FOR %s TO %s", pgx.Identifier{p.name}.Sanitize(), pgx.Identifier{table}.Sanitize(),
		p.permissive, p.cmd, strings.Join(roles, ", "))
	if p.using != "" {
		s += " USING (" + p.using + ")"
	}
	if p.check != "" {
		s += " WITH CHECK (" + p.check + ")"
	}
	return s
}

func mutants(table string, policies []policy) []mutant {
	ident := pgx.Identifier{table}.Sanitize()
	var drop, recreate []string
	for _, p := range policies {
		drop = append(drop, fmt.Sprintf("DROP POLICY %s ON %s", pgx.Identifier{p.name}.Sanitize(), ident))
		recreate = append(recreate, p.create(table))
	}
	var out []mutant
	for i, p := range policies {
		out = append(out, mutant{name: table + ": drop policy " + p.name, apply: drop[i : i+1], restore: recreate[i : i+1]})
	}
	return append(out,
		mutant{name: table + ": disable row level security",
			apply: []string{"ALTER TABLE " + ident + " DISABLE ROW LEVEL SECURITY"}, restore: []string{"ALTER TABLE " + ident + " ENABLE ROW LEVEL SECURITY"}},
		mutant{name: table + ": permissive policy (USING true, WITH CHECK true)",
			apply:   append(slices.Clone(drop), "CREATE POLICY mutant ON "+ident+" USING (true) WITH CHECK (true)"),
			restore: append([]string{"DROP POLICY mutant ON " + ident}, recreate...)},
	)
}

// grantMutants give the application role one write on a shared, read-only catalogue at a time.
func grantMutants(table string) []mutant {
	ident := pgx.Identifier{table}.Sanitize()
	var out []mutant
	for _, verb := range []string{"INSERT", "UPDATE", "DELETE"} {
		out = append(out, mutant{name: table + ": GRANT " + verb + " to the application role",
			apply:   []string{"GRANT " + verb + " ON " + ident + " TO " + postgres.AppRole},
			restore: []string{"REVOKE " + verb + " ON " + ident + " FROM " + postgres.AppRole}})
	}
	return out
}

func mutate(t *testing.T, conn *pgx.Conn, stmts []string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := conn.Exec(t.Context(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// recorder is a testing.TB that records failures instead of failing the test, so a check can be
// run against a mutant and be expected to fail. Fatal ends the check's goroutine, as in testing.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.failures) > 0
}

// Cleanup keeps the check's clean-ups (its connections) for the end of the check.
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// runCheck runs check with a recorder and returns what it reported.
func runCheck(t *testing.T, check func(testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r.failures
}
