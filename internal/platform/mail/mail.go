// Package mail delivers e-mail through a transactional outbox: Enqueue writes the message in the
// caller's tenant transaction, and the Dispatcher sends due messages afterwards with a pluggable
// Sender (SMTP in production, files in development). A message whose change rolled back is never
// sent; a mail server that is down delays messages but loses none.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/mail/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Message is one e-mail.
type Message struct {
	To, Subject, Body string
}

// Sender delivers a message. Send must be safe to call again for the same message (delivery is
// at least once: a crash between sending and recording it sends it again).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Enqueue writes m to the outbox of the tenant in ctx, inside the caller's transaction.
func Enqueue(ctx context.Context, q postgres.Querier, m Message) error {
	s, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	err = store.New(q).InsertMessage(ctx, store.InsertMessageParams{TenantID: s.Tenant.UUID(), ID: tenancy.NewID(),
		Recipient: m.To, Subject: m.Subject, Body: m.Body})
	if err != nil {
		return fmt.Errorf("mail: enqueue: %w", err)
	}
	return nil
}

var pending = postgres.Register(postgres.CrossTenant{
	Name: "mail.pending",
	Why:  "the dispatcher finds due messages of every tenant, then delivers each in its own tenant's scope",
	SQL: `SELECT tenant_id, id FROM outbox_messages
WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 100`,
	Reads: map[string][]string{"outbox_messages": {"tenant_id", "id", "sent_at", "next_attempt_at"}},
})

// maxAttempts is how often a message is tried before it is left for an operator (dead letter).
const maxAttempts = 10

// Dispatcher sends due outbox messages.
type Dispatcher struct {
	DB       *postgres.DB
	Sender   Sender
	Log      *slog.Logger
	Interval time.Duration // how often to look for due messages; default 2 s
}

// Run delivers due messages until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	every := d.Interval
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := d.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			d.Log.ErrorContext(ctx, "mail: delivery pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverDue makes one pass over the due messages and returns how many were sent.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	rows, err := d.DB.CrossTenantQuery(ctx, pending)
	if err != nil {
		return 0, err
	}
	type item struct{ tenant, id uuid.UUID }
	var due []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.tenant, &it.id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sent := 0
	for _, it := range due {
		ok, err := d.deliver(ctx, tenancy.TenantID(it.tenant), it.id)
		if err != nil {
			d.Log.ErrorContext(ctx, "mail: delivery failed", "tenant", it.tenant, "message", it.id, "err", err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// deliver sends one message inside its tenant's scope, holding its row lock while sending.
func (d *Dispatcher) deliver(ctx context.Context, tenant tenancy.TenantID, id uuid.UUID) (bool, error) {
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Role: tenancy.RoleViewer,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		return false, err
	}
	sent := false
	err = d.DB.Tx(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		m, err := st.LockMessage(sctx, store.LockMessageParams{TenantID: tenant.UUID(), ID: id})
		if postgres.IsNoRows(err) {
			return nil // sent meanwhile, or another instance holds it
		}
		if err != nil {
			return err
		}
		if serr := d.Sender.Send(sctx, Message{To: m.Recipient, Subject: m.Subject, Body: m.Body}); serr != nil {
			next := time.Now().Add(backoff(int(m.Attempts) + 1))
			if m.Attempts+1 >= maxAttempts {
				next = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // dead letter: kept for an operator
			}
			return st.MarkFailed(sctx, store.MarkFailedParams{TenantID: tenant.UUID(), ID: id, NextAttemptAt: next, LastError: truncate(serr.Error(), 500)})
		}
		sent = true
		return st.MarkSent(sctx, store.MarkSentParams{TenantID: tenant.UUID(), ID: id})
	})
	if err != nil {
		return false, fmt.Errorf("mail: deliver %s: %w", id, err)
	}
	return sent, nil
}

func backoff(attempt int) time.Duration {
	d := 10 * time.Second << min(attempt, 9)
	return min(d, time.Hour)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
