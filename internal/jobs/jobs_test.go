package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// noteArgs is the test's tenant job kind: its worker reads its tenant's name under the scope the
// runner re-established, and records what it saw.
type noteArgs struct {
	jobs.TenantArgs
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "test.note" }

// failArgs is a kind with one attempt whose worker always fails.
type failArgs struct {
	jobs.TenantArgs
}

func (failArgs) Kind() string { return "test.fail" }

func (failArgs) MaxAttempts() int { return 1 }

// seen is what one run of a test job found.
type seen struct {
	scope       tenancy.Scope
	tenantName  string
	lastAttempt bool
}

// recorder keeps what the workers saw, by note (failArgs under "fail").
type recorder struct {
	mu   sync.Mutex
	runs map[string][]seen
}

func (r *recorder) add(note string, s seen) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs[note] = append(r.runs[note], s)
}

func (r *recorder) get(note string) []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.runs[note]...)
}

// world is one test's database, a registry with the test kinds, and the runner built from it.
type world struct {
	env    testenv.DB
	db     *postgres.DB
	runner *jobs.Runner
	rec    *recorder
}

func newWorld(t *testing.T) *world { t.Helper(); return newTracedWorld(t, nil) }

// newTracedWorld is newWorld with tp tracing the pools and the runner (nil: none).
func newTracedWorld(t *testing.T, tp trace.TracerProvider) *world {
	t.Helper()
	env := testenv.NewDB(t)
	db, err := postgres.Open(t.Context(), postgres.Config{AppURL: env.AppURL, SystemURL: env.SystemURL, MaxConns: 8, Tracer: tp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	w := &world{env: env, db: db, rec: &recorder{runs: map[string][]seen{}}}
	log := slog.New(slog.DiscardHandler)
	reg := jobs.NewRegistry(log)
	jobs.AddTenant(reg, func(ctx context.Context, a noteArgs) error {
		s := seen{lastAttempt: jobs.LastAttempt(ctx)}
		s.scope, _ = tenancy.FromContext(ctx)
		err := w.db.Read(ctx, func(q postgres.Querier) error {
			return q.QueryRow(ctx, `SELECT name FROM tenants WHERE id = $1`, s.scope.Tenant.UUID()).Scan(&s.tenantName)
		})
		w.rec.add(a.Note, s)
		return err
	})
	jobs.AddTenant(reg, func(ctx context.Context, _ failArgs) error {
		w.rec.add("fail", seen{lastAttempt: jobs.LastAttempt(ctx)})
		return errors.New("this job always fails")
	})
	if w.runner, err = jobs.New(w.db, log, reg, jobs.Config{DisableSchedules: true, Tracer: tp}); err != nil {
		t.Fatal(err)
	}
	return w
}

// run starts the runner until the test ends.
func (w *world) run(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { w.runner.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// tenant creates a tenant named name and returns a context in its scope.
func (w *world) tenant(t *testing.T, name string) (tenancy.TenantID, context.Context) {
	t.Helper()
	id := tenancy.TenantID(tenancy.NewID())
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: id, Role: tenancy.RoleOwner, Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		t.Fatal(err)
	}
	err = w.db.Tx(ctx, func(q postgres.Querier) error {
		_, err := q.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, id.UUID(), name, name+"-"+id.String()[:8])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, ctx
}

// TestTenantJobRunsInItsTenantsScope: each job runs as a system principal in the scope of the
// tenant its row names, and its reads are bound to that tenant.
func TestTenantJobRunsInItsTenantsScope(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, _ := w.tenant(t, "scope-a")
	b, _ := w.tenant(t, "scope-b")
	for _, c := range []struct {
		tenant tenancy.TenantID
		note   string
	}{{a, "for a"}, {b, "for b"}} {
		if err := w.runner.Insert(t.Context(), noteArgs{jobs.For(c.tenant), c.note}); err != nil {
			t.Fatal(err)
		}
	}
	w.run(t)
	for _, c := range []struct{ note, tenant, name string }{{"for a", a.String(), "scope-a"}, {"for b", b.String(), "scope-b"}} {
		eventually(t, c.note, func() bool { return len(w.rec.get(c.note)) > 0 })
		got := w.rec.get(c.note)[0]
		if got.scope.Tenant.String() != c.tenant || got.scope.Principal.Kind != tenancy.PrincipalSystem || got.tenantName != c.name {
			t.Errorf("job %q ran as %+v and read tenant %q, want tenant %s (%s) as the system", c.note, got.scope, got.tenantName, c.tenant, c.name)
		}
		if got.lastAttempt {
			t.Errorf("job %q: the first of 25 attempts reported as the last", c.note)
		}
	}
}

// TestJobWithAnotherTenantsRowIsCancelled: a job whose arguments name tenant A while its row says
// B never runs and is cancelled; an honest job beside it runs.
func TestJobWithAnotherTenantsRowIsCancelled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, _ := w.tenant(t, "mix-a")
	b, _ := w.tenant(t, "mix-b")
	meta, _ := json.Marshal(map[string]string{"tenant_id": b.String()})
	if _, err := w.runner.Client().Insert(t.Context(), noteArgs{jobs.For(a), "forged"}, &river.InsertOpts{Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	if err := w.runner.Insert(t.Context(), noteArgs{jobs.For(b), "honest"}); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	eventually(t, "the honest job", func() bool { return len(w.rec.get("honest")) == 1 })
	eventually(t, "the forged job to be cancelled", func() bool {
		return count(t, w.env.SuperURL, `SELECT count(*) FROM river_job WHERE state = 'cancelled' AND args->>'note' = 'forged'`) == 1
	})
	if got := w.rec.get("forged"); len(got) != 0 {
		t.Errorf("the forged job ran: %+v", got)
	}
}

// TestInsertTxFollowsTheTransaction: a job inserted with InsertTx exists exactly when the caller's
// transaction commits, whether it is the transaction's first statement or follows others.
func TestInsertTxFollowsTheTransaction(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, ctx := w.tenant(t, "tx-a")
	errRollback := errors.New("roll back")
	err := w.db.Tx(ctx, func(q postgres.Querier) error {
		if _, err := q.Exec(ctx, `UPDATE tenants SET name = 'renamed' WHERE id = $1`, a.UUID()); err != nil {
			return err
		}
		if err := jobs.InsertTx(ctx, q, noteArgs{jobs.For(a), "rolled back"}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("the rolled-back transaction: %v", err)
	}
	err = w.db.Tx(ctx, func(q postgres.Querier) error { return jobs.InsertTx(ctx, q, noteArgs{jobs.For(a), "committed"}) })
	if err != nil {
		t.Fatalf("InsertTx as the transaction's first statement: %v", err)
	}
	if n := count(t, w.env.SuperURL, `SELECT count(*) FROM river_job WHERE kind = 'test.note' AND args->>'note' = 'rolled back'`); n != 0 {
		t.Errorf("%d jobs of a rolled-back transaction, want 0", n)
	}
	n := count(t, w.env.SuperURL, `SELECT count(*) FROM river_job WHERE kind = 'test.note' AND args->>'note' = 'committed' AND metadata->>'tenant_id' = $1`, a.String())
	if n != 1 {
		t.Errorf("%d jobs of the committed transaction with the tenant in the row, want 1", n)
	}
	w.run(t)
	eventually(t, "the committed job", func() bool { return len(w.rec.get("committed")) == 1 })
	if got := w.rec.get("committed")[0].tenantName; got != "tx-a" {
		t.Errorf("the committed job read tenant name %q, want the rolled-back rename undone (tx-a)", got)
	}
}

// TestInsertTxRefusals: InsertTx inserts nothing for another tenant than the transaction's, nor
// outside a transaction.
func TestInsertTxRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, ctx := w.tenant(t, "ref-a")
	b, _ := w.tenant(t, "ref-b")
	err := w.db.Tx(ctx, func(q postgres.Querier) error { return jobs.InsertTx(ctx, q, noteArgs{jobs.For(b), "other tenant"}) })
	if err == nil {
		t.Error("InsertTx accepted a job for another tenant than the transaction's")
	}
	err = w.db.Read(ctx, func(q postgres.Querier) error { return jobs.InsertTx(ctx, q, noteArgs{jobs.For(a), "in a read"}) })
	if err == nil {
		t.Error("InsertTx accepted a read, which has no transaction")
	}
	if n := count(t, w.env.SuperURL, `SELECT count(*) FROM river_job`); n != 0 {
		t.Errorf("%d jobs inserted by refused calls, want 0", n)
	}
}

// TestLastAttempt: a kind limited to one attempt (AttemptLimit) sees its first run as the last,
// and River gives the failed job up.
func TestLastAttempt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, _ := w.tenant(t, "last-a")
	if err := w.runner.Insert(t.Context(), failArgs{jobs.For(a)}); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	eventually(t, "the failing job to be discarded", func() bool {
		return count(t, w.env.SuperURL, `SELECT count(*) FROM river_job WHERE kind = 'test.fail' AND state = 'discarded' AND max_attempts = 1`) == 1
	})
	if got := w.rec.get("fail"); len(got) != 1 || !got[0].lastAttempt {
		t.Errorf("runs of a one-attempt job: %+v, want one, on its last attempt", got)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func count(t *testing.T, url, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", sql, err))
	}
	return n
}
