package mail_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// sender keeps what it sent and fails the first failures calls.
type sender struct {
	mu       sync.Mutex
	failures int
	calls    int
	sent     []mail.Message
}

func (s *sender) Send(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.failures {
		return errors.New("mail server down")
	}
	s.sent = append(s.sent, m)
	return nil
}

func (s *sender) got() (calls int, sent []mail.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, append([]mail.Message(nil), s.sent...)
}

// world is one test's database with a tenant.
type world struct {
	env    testenv.DB
	db     *postgres.DB
	tenant tenancy.TenantID
	ctx    context.Context // in the tenant's scope
}

func newWorld(t *testing.T) *world {
	t.Helper()
	env := testenv.NewDB(t)
	w := &world{env: env, db: env.Open(t, 8), tenant: tenancy.TenantID(tenancy.NewID())}
	var err error
	w.ctx, err = tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: w.tenant, Role: tenancy.RoleOwner, Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		t.Fatal(err)
	}
	err = w.db.Tx(w.ctx, func(q postgres.Querier) error {
		_, err := q.Exec(w.ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 'Mail', $2)`, w.tenant.UUID(), "mail-"+w.tenant.String()[:8])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// deliver runs the mail worker with s until the test ends.
func (w *world) deliver(t *testing.T, s mail.Sender) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	reg := jobs.NewRegistry(log)
	mail.NewDelivery(w.db, s, log).Jobs(reg)
	r, err := jobs.New(w.db, log, reg, jobs.Config{DisableSchedules: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (w *world) enqueue(t *testing.T, m mail.Message, fail error) error {
	t.Helper()
	return w.db.Tx(w.ctx, func(q postgres.Querier) error {
		if err := mail.Enqueue(w.ctx, q, m); err != nil {
			return err
		}
		return fail
	})
}

// TestEnqueueFollowsTheTransaction: a message and its job exist only when the caller commits, and
// the job carries the tenant and the message id, never the message.
func TestEnqueueFollowsTheTransaction(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	errRollback := errors.New("roll back")
	if err := w.enqueue(t, mail.Message{To: "gone@example.com", Subject: "s", Body: "rolled back"}, errRollback); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if err := w.enqueue(t, mail.Message{To: "kept@example.com", Subject: "Secret subject", Body: "token tnr_inv_secret"}, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(t, w.env.SuperURL, `SELECT count(*) FROM outbox_messages`); n != 1 {
		t.Errorf("%d outbox rows, want the committed one", n)
	}
	n := count(t, w.env.SuperURL, `SELECT count(*) FROM river_job j JOIN outbox_messages m ON m.id::text = j.args->>'message_id'
		WHERE j.kind = 'mail.deliver' AND j.args->>'tenant_id' = $1 AND j.metadata->>'tenant_id' = $1 AND m.recipient = 'kept@example.com'`, w.tenant.String())
	if n != 1 {
		t.Errorf("%d delivery jobs for the committed message, want 1 (and none for the rolled-back one)", n)
	}
	if n := count(t, w.env.SuperURL, `SELECT count(*) FROM river_job`); n != 1 {
		t.Errorf("%d jobs, want 1", n)
	}
	leak := count(t, w.env.SuperURL, `SELECT count(*) FROM river_job WHERE args::text LIKE '%kept@%' OR args::text LIKE '%Secret%' OR args::text LIKE '%tnr_inv%'`)
	if leak != 0 {
		t.Error("the job's arguments carry the message")
	}
}

// TestDeliveryRetriesThenSends: a failed send is recorded on the message and retried with River's
// backoff; the message is then sent once and its body cleared.
func TestDeliveryRetriesThenSends(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := &sender{failures: 1}
	if err := w.enqueue(t, mail.Message{To: "ada@example.com", Subject: "Hello", Body: "the body"}, nil); err != nil {
		t.Fatal(err)
	}
	w.deliver(t, s)
	eventually(t, "the message to be sent", func() bool {
		return count(t, w.env.SuperURL, `SELECT count(*) FROM outbox_messages WHERE sent_at IS NOT NULL`) == 1
	})
	calls, sent := s.got()
	if calls != 2 || len(sent) != 1 || sent[0].To != "ada@example.com" || sent[0].Body != "the body" {
		t.Errorf("%d calls, sent %+v; want a failure, then the message once", calls, sent)
	}
	n := count(t, w.env.SuperURL, `SELECT count(*) FROM outbox_messages WHERE attempts = 1 AND last_error LIKE '%mail server down%'
		AND body = '' AND dead_at IS NULL`)
	if n != 1 {
		t.Error("the sent message does not record its failed attempt, or kept its body")
	}
}

// TestDeliveryGivesUpOnTheLastAttempt: a message whose last attempt fails is marked dead and kept,
// unsent, with its body; its job is discarded.
func TestDeliveryGivesUpOnTheLastAttempt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := &sender{failures: 1000}
	if err := w.enqueue(t, mail.Message{To: "bob@example.com", Subject: "Hello", Body: "the body"}, nil); err != nil {
		t.Fatal(err)
	}
	// Ten attempts take hours with River's backoff: this job gets one.
	if n := count(t, w.env.SuperURL, `WITH u AS (UPDATE river_job SET max_attempts = 1 WHERE kind = 'mail.deliver' RETURNING 1) SELECT count(*) FROM u`); n != 1 {
		t.Fatalf("%d jobs, want 1", n)
	}
	w.deliver(t, s)
	eventually(t, "the job to be discarded", func() bool {
		return count(t, w.env.SuperURL, `SELECT count(*) FROM river_job WHERE kind = 'mail.deliver' AND state = 'discarded'`) == 1
	})
	n := count(t, w.env.SuperURL, `SELECT count(*) FROM outbox_messages WHERE dead_at IS NOT NULL AND sent_at IS NULL
		AND attempts = 1 AND body = 'the body' AND last_error LIKE '%mail server down%'`)
	if n != 1 {
		t.Error("the given-up message is not marked dead with its body and error")
	}
}

// TestUpgradeQueuesPendingMessages: the migration that moves delivery to River gives every message
// the dispatcher still had to send its job, marks the ones it had given up dead, and the worker
// then sends the pending one.
func TestUpgradeQueuesPendingMessages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	migrateDownTo(t, w.env.OwnerURL, 20261125100001)
	ids := map[string]uuid.UUID{"pending": tenancy.NewID(), "dead": tenancy.NewID(), "sent": tenancy.NewID()}
	exec(t, w.env.SuperURL, `INSERT INTO outbox_messages (tenant_id, id, recipient, subject, body, next_attempt_at, sent_at) VALUES
		($1, $2, 'p@example.com', 's', 'pending body', now(), NULL),
		($1, $3, 'd@example.com', 's', 'dead body', '9999-01-01', NULL),
		($1, $4, 's@example.com', 's', '', now(), now())`, w.tenant.UUID(), ids["pending"], ids["dead"], ids["sent"])
	migrateUp(t, w.env.OwnerURL)
	n := count(t, w.env.SuperURL, `SELECT count(*) FROM river_job WHERE kind = 'mail.deliver' AND args->>'message_id' = $1
		AND args->>'tenant_id' = $2 AND metadata->>'tenant_id' = $2`, ids["pending"].String(), w.tenant.String())
	if n != 1 || count(t, w.env.SuperURL, `SELECT count(*) FROM river_job`) != 1 {
		t.Fatal("the pending message did not get exactly one job")
	}
	if n := count(t, w.env.SuperURL, `SELECT count(*) FROM outbox_messages WHERE id = $1 AND dead_at IS NOT NULL`, ids["dead"]); n != 1 {
		t.Error("the given-up message is not marked dead")
	}
	if n := count(t, w.env.OwnerURL, `SELECT count(*) FROM pg_class WHERE relname = 'outbox_messages' AND relforcerowsecurity`); n != 1 {
		t.Error("outbox_messages no longer forces row-level security")
	}
	s := &sender{}
	w.deliver(t, s)
	eventually(t, "the pending message to be sent", func() bool {
		return count(t, w.env.SuperURL, `SELECT count(*) FROM outbox_messages WHERE id = $1 AND sent_at IS NOT NULL`, ids["pending"]) == 1
	})
	if _, sent := s.got(); len(sent) != 1 || sent[0].Body != "pending body" {
		t.Errorf("sent %+v, want the pending message only", sent)
	}
}

// migrateDownTo reverts migrations until version is no longer applied.
func migrateDownTo(t *testing.T, ownerURL string, version int64) {
	t.Helper()
	m, err := postgres.NewMigrator(t.Context(), ownerURL, app.Migrations()...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for {
		steps, err := m.Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var last int64
		for _, s := range steps {
			if s.State == "applied" {
				last = max(last, s.Version)
			}
		}
		if last < version {
			return
		}
		if _, err := m.Down(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}

func migrateUp(t *testing.T, ownerURL string) {
	t.Helper()
	m, err := postgres.NewMigrator(t.Context(), ownerURL, app.Migrations()...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Up(t.Context()); err != nil {
		t.Fatal(err)
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

func exec(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", strings.Fields(sql)[0], err))
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
