package flows_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// fireWorld is sessWorld with the database's connection strings, to look under RLS (superuser)
// and to hand the crash test's child process the roles the service uses.
type fireWorld struct {
	*sessWorld
	env testenv.DB
}

func newFireWorld(t *testing.T) *fireWorld {
	t.Helper()
	env := testenv.NewDB(t)
	db := env.Open(t, 8)
	w := &sessWorld{db: db, svc: flows.New(db, slog.New(slog.DiscardHandler)), a: tenancy.NewID(), b: tenancy.NewID()}
	w.alice = w.addMember(t, w.a, "alice", tenancy.RoleOperator, true)
	w.bob = w.addMember(t, w.a, "bob", tenancy.RoleOperator, false)
	w.mallory = w.addMember(t, w.b, "mallory", tenancy.RoleOwner, true)
	return &fireWorld{sessWorld: w, env: env}
}

// super runs a query as the superuser (under RLS) and scans its one row.
func (w *fireWorld) super(t *testing.T, sql string, args []any, dest ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), w.env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (w *fireWorld) superCount(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	w.super(t, sql, args, &n)
	return n
}

// schedule creates a schedule of u's on flow with the given targets, due at slot.
func (w *fireWorld) schedule(t *testing.T, u sessUser, flow uuid.UUID, cron, catchup string, slot time.Time, labels ...string) flows.Schedule {
	t.Helper()
	var targets []flows.Target
	for _, l := range labels {
		targets = append(targets, flows.Target{Label: l})
	}
	sc, err := w.svc.CreateSchedule(u.ctx, flows.ScheduleInput{Name: "Patch check", FlowID: flow, Targets: targets, Cron: cron,
		Timezone: "Europe/Berlin", Catchup: catchup})
	if err != nil {
		t.Fatalf("create schedule: %v", err)
	}
	w.due(t, u, sc.ID, slot)
	return sc
}

// due sets a schedule's next slot.
func (w *fireWorld) due(t *testing.T, u sessUser, id uuid.UUID, slot time.Time) {
	t.Helper()
	w.exec(t, u.ctx, `UPDATE flow_maintenance_schedules SET next_run_at = $3 WHERE tenant_id = $1 AND id = $2`, u.tenant, id, slot)
}

func (w *fireWorld) batches(t *testing.T, schedule uuid.UUID) int {
	t.Helper()
	return w.superCount(t, `SELECT count(*) FROM flow_batches WHERE schedule_id = $1`, schedule)
}

// TestScheduleFiringTwoTenants: the sweep finds the due schedules of both tenants (ids only), each
// fires in its own tenant's scope, and everything it writes carries that schedule's tenant.
func TestScheduleFiringTwoTenants(t *testing.T) {
	t.Parallel()
	w := newFireWorld(t)
	slot := time.Now().UTC().Truncate(time.Minute) // the slot of this minute (a later one, should the minute turn)
	sa := w.schedule(t, w.alice, w.publishedFlow(t, w.alice), "* * * * *", flows.CatchupSkip, slot, "srv-a1", "srv-a2")
	sb := w.schedule(t, w.mallory, w.publishedFlow(t, w.mallory), "* * * * *", flows.CatchupSkip, slot, "srv-b1")
	due, err := w.svc.DueSchedules(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 {
		t.Fatalf("due schedules %+v, want A's and B's", due)
	}
	for _, d := range due {
		b, err := w.svc.FireSchedule(systemScope(t.Context(), tenancy.TenantID(d.Tenant.UUID())), d.ID)
		if err != nil || b == nil {
			t.Fatalf("fire %s: %v %v", d.ID, b, err)
		}
		if b.Source != flows.BatchSchedule || b.ScheduledFor == nil || b.ScheduledFor.Before(slot) || b.Progress.Prepared != int64(b.TargetCount) {
			t.Errorf("batch %+v", b)
		}
	}
	for _, c := range []struct {
		sc     flows.Schedule
		tenant uuid.UUID
		owner  sessUser
		n      int
	}{{sa, w.a, w.alice, 2}, {sb, w.b, w.mallory, 1}} {
		if got := w.superCount(t, `SELECT count(*) FROM flow_sessions WHERE schedule_id = $1 AND tenant_id = $2 AND user_id = $3
			AND status = 'prepared' AND batch_id IS NOT NULL AND target_label IS NOT NULL`, c.sc.ID, c.tenant, c.owner.id); got != c.n {
			t.Errorf("schedule %s: %d prepared sessions of its tenant and author, want %d", c.sc.ID, got, c.n)
		}
		for _, table := range []string{"flow_sessions", "flow_batches", "flow_schedule_firings"} {
			if n := w.superCount(t, `SELECT count(*) FROM `+table+` WHERE schedule_id = $1 AND tenant_id <> $2`, c.sc.ID, c.tenant); n != 0 {
				t.Errorf("%s: %d rows of schedule %s in another tenant", table, n, c.sc.ID)
			}
		}
		if n := w.superCount(t, `SELECT count(*) FROM flow_notifications WHERE tenant_id = $1 AND user_id = $2 AND kind = 'batch.ready'`,
			c.tenant, c.owner.id); n != 1 {
			t.Errorf("%d notifications for the author of %s, want 1", n, c.sc.ID)
		}
	}
	// The schedule moved on, in its zone, past now.
	got, err := w.svc.GetSchedule(w.alice.ctx, sa.ID)
	if err != nil || got.NextRunAt == nil || !got.NextRunAt.After(time.Now()) || got.LastRunAt == nil || got.LastRunAt.Before(slot) {
		t.Errorf("after firing: %+v %v", got, err)
	}
	// A's scope cannot fire B's schedule: the row is not there for it.
	w.due(t, w.mallory, sb.ID, slot.Add(time.Minute))
	if b, err := w.svc.FireSchedule(systemScope(t.Context(), tenancy.TenantID(w.a)), sb.ID); err != nil || b != nil {
		t.Errorf("B's schedule in A's scope: %v %v", b, err)
	}
}

// TestScheduleFiringIdempotent: workers firing one slot at once, and a second instance that
// still sees the old next slot, make one batch.
func TestScheduleFiringIdempotent(t *testing.T) {
	t.Parallel()
	w := newFireWorld(t)
	slot := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Minute)
	sc := w.schedule(t, w.alice, w.publishedFlow(t, w.alice), "*/2 * * * *", flows.CatchupRunOnce, slot, "srv-1", "srv-2", "srv-3")
	ctx := systemScope(t.Context(), tenancy.TenantID(w.a))
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for range 4 {
		wg.Go(func() {
			b, err := w.svc.FireSchedule(ctx, sc.ID)
			if err != nil {
				t.Errorf("fire: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if b != nil {
				made++
			}
		})
	}
	wg.Wait()
	if made != 1 || w.batches(t, sc.ID) != 1 {
		t.Fatalf("%d batches reported, %d stored; want 1", made, w.batches(t, sc.ID))
	}
	// Another instance read the schedule before the first committed: the same slot again.
	var fired time.Time
	w.super(t, `SELECT scheduled_for FROM flow_batches WHERE schedule_id = $1`, []any{sc.ID}, &fired)
	w.due(t, w.alice, sc.ID, fired)
	if b, err := w.svc.FireSchedule(ctx, sc.ID); err != nil || b != nil {
		t.Errorf("the same slot again: %v %v", b, err)
	}
	if n := w.batches(t, sc.ID); n != 1 {
		t.Errorf("%d batches after firing a slot twice, want 1", n)
	}
	if n := w.superCount(t, `SELECT count(*) FROM flow_sessions WHERE schedule_id = $1`, sc.ID); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
}

// TestScheduleCatchup: after downtime, skip fires nothing and moves to the next future slot;
// run_once fires the latest missed slot once, then moves on.
func TestScheduleCatchup(t *testing.T) {
	t.Parallel()
	w := newFireWorld(t)
	flow := w.publishedFlow(t, w.alice)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	down := time.Now().Add(-72 * time.Hour)
	first := time.Date(down.In(berlin).Year(), down.In(berlin).Month(), down.In(berlin).Day(), 3, 0, 0, 0, berlin)
	c, err := flows.ParseCron("0 3 * * *", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	latest := first
	for n := c.Next(first); !n.After(time.Now()); n = c.Next(n) {
		latest = n
	}
	ctx := systemScope(t.Context(), tenancy.TenantID(w.a))

	skip := w.schedule(t, w.alice, flow, "0 3 * * *", flows.CatchupSkip, first, "srv-1")
	if b, err := w.svc.FireSchedule(ctx, skip.ID); err != nil || b != nil {
		t.Errorf("skip: %v %v", b, err)
	}
	got, _ := w.svc.GetSchedule(w.alice.ctx, skip.ID)
	if w.batches(t, skip.ID) != 0 || got.NextRunAt == nil || !got.NextRunAt.Equal(c.Next(time.Now())) {
		t.Errorf("skip: %d batches, next %v; want none and %v", w.batches(t, skip.ID), got.NextRunAt, c.Next(time.Now()))
	}

	once := w.schedule(t, w.alice, flow, "0 3 * * *", flows.CatchupRunOnce, first, "srv-1")
	b, err := w.svc.FireSchedule(ctx, once.ID)
	if err != nil || b == nil || !b.ScheduledFor.Equal(latest) {
		t.Fatalf("run_once: %+v %v; want the slot %v", b, err, latest)
	}
	if b, err := w.svc.FireSchedule(ctx, once.ID); err != nil || b != nil || w.batches(t, once.ID) != 1 {
		t.Errorf("run_once fired again: %v %v", b, err)
	}
}

// TestScheduleFiringFailure: a firing whose flow is gone is recorded as failed, leaves no batch,
// and the schedule moves on instead of failing forever.
func TestScheduleFiringFailure(t *testing.T) {
	t.Parallel()
	w := newFireWorld(t)
	flow := w.publishedFlow(t, w.alice)
	sc := w.schedule(t, w.alice, flow, "* * * * *", flows.CatchupSkip, time.Now().UTC().Truncate(time.Minute), "srv-1")
	w.exec(t, w.alice.ctx, `UPDATE flows SET deleted_at = now() WHERE tenant_id = $1 AND id = $2`, w.a, flow)
	if b, err := w.svc.FireSchedule(systemScope(t.Context(), tenancy.TenantID(w.a)), sc.ID); err != nil || b != nil {
		t.Fatalf("fire: %v %v", b, err)
	}
	var next time.Time
	w.super(t, `SELECT next_run_at FROM flow_maintenance_schedules WHERE id = $1`, []any{sc.ID}, &next)
	if w.batches(t, sc.ID) != 0 || !next.After(time.Now()) ||
		w.superCount(t, `SELECT count(*) FROM flow_schedule_firings WHERE schedule_id = $1 AND status = 'failed'`, sc.ID) != 1 {
		t.Errorf("after a failed firing: %d batches, next %v", w.batches(t, sc.ID), next)
	}
}

// The crash test's child process: the environment names the database and the schedule.
const scheduleCrashEnv = "FLOWS_CRASH_CHILD"

// scheduleCrashChild fires the schedule and is killed (SIGKILL) by the hook once the batch and its
// sessions are written, before the transaction commits. It returns only if the hook did not run.
func scheduleCrashChild() int {
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{AppURL: os.Getenv("FLOWS_CRASH_APP"), MaxConns: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	tenant, id := uuid.MustParse(os.Getenv("FLOWS_CRASH_TENANT")), uuid.MustParse(os.Getenv("FLOWS_CRASH_SCHEDULE"))
	flows.SetFireHook(func(point string) {
		if point == "launched" {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	})
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenancy.TenantID(tenant), Role: tenancy.RoleAdmin,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		return 2
	}
	_, err = flows.New(db, slog.New(slog.DiscardHandler)).FireSchedule(sctx, id)
	fmt.Fprintln(os.Stderr, "the hook did not kill the firing:", err)
	return 3
}

// TestScheduleFiringCrash: a worker killed in the middle of a firing (after it wrote the firing,
// the batch and the sessions, before its commit) leaves nothing behind; firing again makes exactly
// one batch for the slot, and a third run none.
func TestScheduleFiringCrash(t *testing.T) {
	t.Parallel()
	w := newFireWorld(t)
	sc := w.schedule(t, w.alice, w.publishedFlow(t, w.alice), "* * * * *", flows.CatchupRunOnce,
		time.Now().UTC().Add(-time.Minute).Truncate(time.Minute), "srv-1", "srv-2")
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), scheduleCrashEnv+"=1", "FLOWS_CRASH_APP="+w.env.AppURL,
		"FLOWS_CRASH_TENANT="+w.a.String(), "FLOWS_CRASH_SCHEDULE="+sc.ID.String())
	out, err := cmd.CombinedOutput()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed by its hook: %v %s", err, out)
	}
	for _, table := range []string{"flow_batches", "flow_sessions", "flow_schedule_firings"} {
		if n := w.superCount(t, `SELECT count(*) FROM `+table+` WHERE schedule_id = $1`, sc.ID); n != 0 {
			t.Errorf("%s: %d rows after the crash, want 0", table, n)
		}
	}
	ctx := systemScope(t.Context(), tenancy.TenantID(w.a))
	if b, err := w.svc.FireSchedule(ctx, sc.ID); err != nil || b == nil {
		t.Fatalf("fire after the crash: %v %v", b, err)
	}
	if b, err := w.svc.FireSchedule(ctx, sc.ID); err != nil || b != nil {
		t.Errorf("fire again: %v %v", b, err)
	}
	if n := w.batches(t, sc.ID); n != 1 {
		t.Errorf("%d batches for the slot, want exactly 1", n)
	}
	if n := w.superCount(t, `SELECT count(*) FROM flow_sessions WHERE schedule_id = $1`, sc.ID); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
}
