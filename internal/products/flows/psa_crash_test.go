package flows_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// crashChildEnv makes the test binary run only the PSA job runner (runCrashChild) on the database
// the variables below name, instead of the tests.
const (
	crashChildEnv       = "TENANTRY_PSA_CRASH_CHILD"
	crashChildAppURL    = "TENANTRY_PSA_CRASH_APP_URL"
	crashChildSystemURL = "TENANTRY_PSA_CRASH_SYSTEM_URL"
	crashChildSecret    = "TENANTRY_PSA_CRASH_SECRET"
)

// runCrashChild runs the flows product's PSA jobs (the push worker and the retry sweep), as the
// service registers them, until it is killed.
func runCrashChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	db, err := postgres.Open(ctx, postgres.Config{AppURL: os.Getenv(crashChildAppURL), SystemURL: os.Getenv(crashChildSystemURL), MaxConns: 4})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	defer db.Close()
	secret, _ := base64.StdEncoding.DecodeString(os.Getenv(crashChildSecret))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := flows.New(db, log)
	var cfg app.Config
	psaConfig(&cfg)
	if err := svc.UsePSA(secret, cfg.PSA); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	reg := jobs.NewRegistry(log)
	svc.PSAJobs(reg)
	runner, err := jobs.New(db, log, reg, jobs.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	runner.Run(ctx)
	return 0
}

// TestPSACrash kills the worker (a child process, SIGKILL) after the PSA accepted the note and
// before the push was recorded as sent. The attempt's lease runs out, the retry sweep makes the
// attempt again, and the push ends sent. The guarantee is at-least-once: the PSA got the note
// twice, and both copies end with the same marker (Tenantry push <id>), so the duplicate is
// recognisable; no attempt is lost and the push is never recorded as sent unless the PSA accepted
// it.
func TestPSACrash(t *testing.T) {
	t.Parallel()
	// No job runner of this process yet (and no mail runner, which would take the push's job and,
	// as River's leader, run no sweep): the child is the only worker until it dies.
	s := flowsAPI{Server: apitest.StartWith(t, apitest.Options{Unlimited: true, Configure: psaConfig})}
	owner := s.Register("crash")
	f := newFakePSA(t, "connectwise", fakeCreds("connectwise", "1"))
	accepted, killed := make(chan struct{}), make(chan struct{})
	f.set(func(f *fakePSA) {
		f.onNote = func() {
			f.set(func(f *fakePSA) { f.onNote = nil })
			close(accepted)
			<-killed // the worker is dead before it hears the answer
		}
	})
	p := s.pushed(owner, s.connect(owner, f), "900")
	id := p["id"].(string)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), crashChildEnv+"=1", crashChildAppURL+"="+s.Env.AppURL, crashChildSystemURL+"="+s.Env.SystemURL,
		crashChildSecret+"="+base64.StdEncoding.EncodeToString(s.Config.SecretKey))
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-accepted:
	case <-time.After(30 * time.Second):
		_ = child.Process.Kill()
		_ = child.Wait()
		t.Fatal("the child worker did not deliver the note")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	close(killed)
	var status string
	var attempts int
	s.SuperRow(`SELECT status, attempts FROM psa_push_outbox WHERE id = $1`, []any{id}, &status, &attempts)
	if status != "pending" || attempts != 1 {
		t.Fatalf("after the crash the push is %s after %d attempts, want pending (leased) after 1", status, attempts)
	}

	// This process's runner takes over: the sweep finds the push when its lease runs out.
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() { s.App.Jobs.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	// River's leadership, which runs the periodic sweep, passes to this runner once the dead child's
	// lease on it expires: allow for that as well as the push's own lease.
	deadline := time.Now().Add(90 * time.Second)
	for s.Count(`SELECT count(*) FROM psa_push_outbox WHERE id = $1 AND status = 'sent'`, id) == 0 {
		if time.Now().After(deadline) {
			s.SuperRow(`SELECT status, attempts FROM psa_push_outbox WHERE id = $1`, []any{id}, &status, &attempts)
			var dump string
			s.SuperRow(`SELECT coalesce((SELECT string_agg(kind || ' ' || state || ' ' || args::text || ' ' || coalesce(errors::text, ''), E'\n') FROM river_job WHERE kind LIKE 'psa%'), '') || E'\nleader: ' || coalesce((SELECT string_agg(leader_id || ' ' || expires_at::text, ',') FROM river_leader), 'none')`, nil, &dump)
			t.Fatalf("the push is %s after %d attempts, not sent\n%s", status, attempts, dump)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sent := s.Must(200, "GET", "/api/v1/psa-pushes/"+id, owner.Access, nil)
	notes := f.Notes()
	if len(notes) != 2 || sent["attempts"] != float64(2) {
		t.Fatalf("%d notes, push %v; want the note twice (at-least-once) and 2 attempts", len(notes), sent)
	}
	for _, n := range notes {
		if !strings.HasSuffix(n.text, "Tenantry push "+id) {
			t.Errorf("a copy without the push's marker: %q", n.text)
		}
	}
}
