package flows_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// The crash tests' child process: TestMain runs aiCrashChild when aiCrashJobEnv names a job.
const (
	aiCrashJobEnv = "FLOWS_AI_CRASH_JOB"
	aiCrashApp    = "FLOWS_AI_CRASH_APP_URL"
	aiCrashSystem = "FLOWS_AI_CRASH_SYSTEM_URL"
	aiCrashPoint  = "CRASH-POINT"
)

// aiCrashChild runs one AI job on the database the parent named, with a hook that stops inside
// the transaction of the job's second item, after its write, and says so on stdout: the parent
// then kills the process with SIGKILL. The retention deletes in batches of 2 here.
func aiCrashChild(job string) int {
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{AppURL: os.Getenv(aiCrashApp), SystemURL: os.Getenv(aiCrashSystem), MaxConns: 4})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	svc := flows.New(db, slog.New(slog.DiscardHandler))
	flows.SetRetentionBatch(2)
	flows.SetAIAfterWrite(svc, func(_ string, item int) {
		if item == 1 {
			fmt.Println(aiCrashPoint)
			time.Sleep(time.Hour)
		}
	})
	if err := runAIJob(ctx, svc, job); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("FINISHED")
	return 0
}

// runAIJob runs a whole pass of an AI job as its River workers do: the registered cross-tenant
// list, then each tenant's work in that tenant's scope, tenants in id order.
func runAIJob(ctx context.Context, svc *flows.Service, job string) error {
	switch job {
	case "expiry":
		due, err := svc.AIConversationsToExpire(ctx)
		if err != nil {
			return err
		}
		for _, t := range sortedTenants(due) {
			if _, err := svc.ExpireAIConversations(systemScope(ctx, t), due[t]); err != nil {
				return err
			}
		}
	case "retention":
		tenants, err := svc.TenantsWithAISessions(ctx)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			if _, err := svc.ApplyChatRetention(systemScope(ctx, t)); err != nil {
				return err
			}
		}
	case "flywheel":
		due, err := svc.PendingAnalyses(ctx)
		if err != nil {
			return err
		}
		for _, t := range sortedTenants(due) {
			if _, err := svc.AnalyzeSessions(systemScope(ctx, t), due[t]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("no job %q", job)
	}
	return nil
}

func sortedTenants[V any](m map[tenancy.TenantID]V) []tenancy.TenantID {
	out := make([]tenancy.TenantID, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b tenancy.TenantID) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// systemScope is the scope a tenant job runs in (jobs.AddTenant).
func systemScope(ctx context.Context, t tenancy.TenantID) context.Context {
	ctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: t, Role: tenancy.RoleAdmin, Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		panic(err)
	}
	return ctx
}

// crashJob runs job in a child process (the test binary again) and SIGKILLs it inside the
// transaction of the job's second item, after that item's write (its first item is committed).
func crashJob(t *testing.T, env testenv.DB, job string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), aiCrashJobEnv+"="+job, aiCrashApp+"="+env.AppURL, aiCrashSystem+"="+env.SystemURL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	reached := false
	for !reached && lines.Scan() {
		reached = lines.Text() == aiCrashPoint
	}
	if !reached {
		_ = cmd.Wait()
		t.Fatalf("the child never reached the crash point: %s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the child was not killed: %v", err)
	}
}

// superCount counts as the superuser, under row-level security.
func superCount(t *testing.T, env testenv.DB, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// aiSessions starts n AI sessions of ctx's member and sets their times: idle since age, expired
// when expired. Each gets one message.
func (w *world) aiSessions(t *testing.T, ctx context.Context, n int, age time.Duration, expired bool) []uuid.UUID {
	t.Helper()
	out := make([]uuid.UUID, n)
	for i := range n {
		s, err := w.svc.CreateAISession(ctx, flows.NewAISession{Problem: fmt.Sprintf("Problem %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s.ID
		w.exec(t, ctx, func(q postgres.Querier) error {
			tenant := tenantOf(t, ctx)
			if _, err := q.Exec(ctx, `INSERT INTO ai_messages (tenant_id, id, session_id, role, content) VALUES ($1, $2, $3, 'user', 'hi')`,
				tenant, tenancy.NewID(), s.ID); err != nil {
				return err
			}
			expires := "now() + interval '1 day'"
			if expired {
				expires = "now() - interval '1 minute'"
			}
			_, err := q.Exec(ctx, `UPDATE ai_sessions SET last_activity_at = now() - $3::interval, expires_at = `+expires+`
				WHERE tenant_id = $1 AND id = $2`, tenant, s.ID, fmt.Sprintf("%d seconds", int(age.Seconds())))
			return err
		})
	}
	return out
}

const day = 24 * time.Hour

// TestAIConversationExpiryCrash: the conversation expiry abandons the idle sessions of two tenants
// and nothing else (a live session stays); killed after its first write, a rerun finishes the work
// and no session is expired, or audited, twice.
func TestAIConversationExpiryCrash(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	w := newWorldIn(t, env)
	dueA := append(w.aiSessions(t, w.olga, 2, time.Hour, true), w.aiSessions(t, w.otto, 1, time.Hour, true)...)
	liveA := w.aiSessions(t, w.olga, 1, time.Hour, false)
	dueB := w.aiSessions(t, w.adminB, 1, time.Hour, true)
	crashJob(t, env, "expiry")
	// A's first due session is committed, its second was rolled back with the child.
	if n := superCount(t, env, `SELECT count(*) FROM ai_sessions WHERE tenant_id = $1 AND status = 'abandoned'`, w.a.UUID()); n != 1 {
		t.Fatalf("%d of A's sessions abandoned at the crash, want 1", n)
	}
	if err := runAIJob(t.Context(), w.svc, "expiry"); err != nil {
		t.Fatal(err)
	}
	for _, id := range append(slices.Clone(dueA), dueB...) {
		if n := superCount(t, env, `SELECT count(*) FROM ai_sessions WHERE id = $1 AND status = 'abandoned'`, id); n != 1 {
			t.Errorf("session %s not abandoned", id)
		}
		if n := superCount(t, env, `SELECT count(*) FROM audit_events WHERE action = 'ai_session.expire' AND target_id = $1`, id.String()); n != 1 {
			t.Errorf("session %s: %d expiry audit rows, want 1", id, n)
		}
	}
	if n := superCount(t, env, `SELECT count(*) FROM ai_sessions WHERE id = $1 AND status = 'active'`, liveA[0]); n != 1 {
		t.Error("a live session was expired")
	}
	// The audit rows are in each session's own tenant.
	if n := superCount(t, env, `SELECT count(*) FROM audit_events WHERE action = 'ai_session.expire' AND tenant_id = $1`, w.b.UUID()); n != 1 {
		t.Errorf("%d expiry audit rows in B, want 1", n)
	}
	// Nothing is left to do: a third pass changes nothing.
	if due, err := w.svc.AIConversationsToExpire(t.Context()); err != nil || len(due) != 0 {
		t.Errorf("still due: %v %v", due, err)
	}
}

// TestAIChatRetentionCrash: each tenant's retention applies its own setting to its own sessions
// (A keeps 30 days, B the default 90): old sessions go with their messages, younger ones stay.
// Killed after its first batch, a rerun deletes the rest, and the audited counts add up to the
// sessions deleted, none counted twice.
func TestAIChatRetentionCrash(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	w := newWorldIn(t, env)
	days := int32(30)
	if _, err := w.svc.UpdateAISettings(w.admin, &days); err != nil {
		t.Fatal(err)
	}
	oldA := w.aiSessions(t, w.olga, 5, 40*day, false)
	keptA := w.aiSessions(t, w.olga, 1, 10*day, false)
	oldB := w.aiSessions(t, w.adminB, 3, 100*day, false)
	keptB := w.aiSessions(t, w.adminB, 1, 40*day, false) // older than A's setting, younger than B's
	crashJob(t, env, "retention")
	if n := superCount(t, env, `SELECT count(*) FROM ai_sessions`); n != 10-2 {
		t.Fatalf("%d sessions left at the crash, want the first batch of 2 deleted", n)
	}
	if err := runAIJob(t.Context(), w.svc, "retention"); err != nil {
		t.Fatal(err)
	}
	for _, id := range append(slices.Clone(oldA), oldB...) {
		if n := superCount(t, env, `SELECT (SELECT count(*) FROM ai_sessions WHERE id = $1) + (SELECT count(*) FROM ai_messages WHERE session_id = $1)`, id); n != 0 {
			t.Errorf("old session %s is still there", id)
		}
	}
	for _, id := range append(slices.Clone(keptA), keptB...) {
		if n := superCount(t, env, `SELECT count(*) FROM ai_messages WHERE session_id = $1`, id); n != 1 {
			t.Errorf("young session %s lost its message", id)
		}
	}
	for tenant, want := range map[tenancy.TenantID]int{w.a: 5, w.b: 3} {
		n := superCount(t, env, `SELECT coalesce(sum((details->>'sessions')::int), 0) FROM audit_events
			WHERE action = 'ai_session.retention' AND tenant_id = $1`, tenant.UUID())
		if n != want {
			t.Errorf("tenant %s: the retention audit counts %d deletions, want %d", tenant, n, want)
		}
	}
}

// TestAIJobsRunPerTenant: the registered periodic jobs, on River, expire and purge in both tenants,
// each in its own scope.
func TestAIJobsRunPerTenant(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	w := newWorldIn(t, env)
	dueA, dueB := w.aiSessions(t, w.olga, 1, time.Hour, true), w.aiSessions(t, w.adminB, 1, time.Hour, true)
	oldA, oldB := w.aiSessions(t, w.olga, 1, 100*day, false), w.aiSessions(t, w.adminB, 1, 100*day, false)
	log := slog.New(slog.DiscardHandler)
	reg := jobs.NewRegistry(log)
	w.svc.AIJobs(reg, flows.AISchedule{Expiry: 200 * time.Millisecond, Retention: 200 * time.Millisecond, Flywheel: 200 * time.Millisecond})
	r, err := jobs.New(w.db, log, reg, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, "expiry and retention in both tenants", func() bool {
		return superCount(t, env, `SELECT count(*) FROM ai_sessions WHERE id = ANY($1) AND status = 'abandoned'`, append(dueA, dueB...)) == 2 &&
			superCount(t, env, `SELECT count(*) FROM ai_sessions WHERE id = ANY($1)`, append(oldA, oldB...)) == 0
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
