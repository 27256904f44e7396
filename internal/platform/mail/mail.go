// Package mail delivers e-mail through a transactional outbox: Enqueue writes the message and its
// delivery job (River, through internal/jobs) in the caller's tenant transaction, and the job sends
// the message afterwards with a pluggable Sender (SMTP in production, files in development). A
// message whose change rolled back is never sent; a mail server that is down delays messages, with
// River's backoff, but loses none until the last attempt, after which the message is kept as dead.
package mail

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/mail/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Message is one e-mail. ID, set by the delivery job to the outbox message's id, becomes the local
// part of the Message-ID header, so every attempt at one message carries the same Message-ID; a
// message without one gets a random id.
type Message struct {
	ID                string
	To, Subject, Body string
}

// Sender delivers a message. Send must be safe to call again for the same message (delivery is
// at least once: a crash between sending and recording it sends it again).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// maxAttempts is how often a message is tried before it is left for an operator (dead).
const maxAttempts = 10

// DeliverArgs is the job that delivers one outbox message. It carries the message's tenant and id
// only: river_job is not a tenant table, so the message (which may hold a single-use token) stays
// in the outbox, under row-level security.
type DeliverArgs struct {
	jobs.TenantArgs
	MessageID uuid.UUID `json:"message_id"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "mail.deliver" }

// MaxAttempts is how often a message is tried (jobs.AttemptLimit).
func (DeliverArgs) MaxAttempts() int { return maxAttempts }

// Enqueue writes m to the outbox of the tenant in ctx and queues its delivery, both inside the
// caller's transaction (q is the Querier of postgres.DB.Tx).
func Enqueue(ctx context.Context, q postgres.Querier, m Message) error {
	s, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	id := tenancy.NewID()
	err = store.New(q).InsertMessage(ctx, store.InsertMessageParams{TenantID: s.Tenant.UUID(), ID: id,
		Recipient: m.To, Subject: m.Subject, Body: m.Body})
	if err != nil {
		return fmt.Errorf("mail: enqueue: %w", err)
	}
	if err := jobs.InsertTx(ctx, q, DeliverArgs{TenantArgs: jobs.For(s.Tenant), MessageID: id}); err != nil {
		return fmt.Errorf("mail: enqueue: %w", err)
	}
	return nil
}

// Delivery sends outbox messages: the worker of the delivery job.
type Delivery struct {
	db     *postgres.DB
	sender Sender
	log    *slog.Logger
}

// NewDelivery returns the delivery worker, sending with sender.
func NewDelivery(db *postgres.DB, sender Sender, log *slog.Logger) *Delivery {
	return &Delivery{db: db, sender: sender, log: log}
}

// Jobs registers the delivery job on r.
func (d *Delivery) Jobs(r *jobs.Registry) { jobs.AddTenant(r, d.deliver) }

// deliver sends one message in its tenant's scope (set by the job). No lock or transaction is held
// while the mail server is talked to: the message is read, sent, then marked sent in a short
// transaction of its own. River runs one job per message (unique by its arguments) at a time; a
// crash between sending and marking sends the message again on the retry (at least once).
func (d *Delivery) deliver(ctx context.Context, args DeliverArgs) error {
	tenant, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	key := store.PendingMessageParams{TenantID: tenant.Tenant.UUID(), ID: args.MessageID}
	var m store.PendingMessageRow
	err = d.db.Read(ctx, func(q postgres.Querier) error {
		m, err = store.New(q).PendingMessage(ctx, key)
		return err
	})
	if postgres.IsNoRows(err) {
		return nil // sent already, or given up
	}
	if err != nil {
		return fmt.Errorf("mail: deliver %s: %w", args.MessageID, err)
	}
	if serr := d.sender.Send(ctx, Message{ID: args.MessageID.String(), To: m.Recipient, Subject: m.Subject, Body: m.Body}); serr != nil {
		return d.failed(ctx, key, serr)
	}
	err = d.db.Tx(ctx, func(q postgres.Querier) error {
		return store.New(q).MarkSent(ctx, store.MarkSentParams(key))
	})
	if err != nil {
		return fmt.Errorf("mail: mark %s sent: %w", args.MessageID, err)
	}
	return nil
}

// failed records a failed attempt (dead on the last one) and returns the error for River to retry.
func (d *Delivery) failed(ctx context.Context, key store.PendingMessageParams, serr error) error {
	dead := jobs.LastAttempt(ctx)
	err := d.db.Tx(ctx, func(q postgres.Querier) error {
		return store.New(q).MarkFailed(ctx, store.MarkFailedParams{TenantID: key.TenantID, ID: key.ID,
			LastError: truncate(serr.Error(), 500), Dead: dead})
	})
	if err != nil {
		return fmt.Errorf("mail: deliver %s: %w (recording it: %w)", key.ID, serr, err)
	}
	if dead {
		d.log.ErrorContext(ctx, "mail: message given up after its last attempt", "tenant", key.TenantID, "message", key.ID)
	}
	return fmt.Errorf("mail: deliver %s: %w", key.ID, serr)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
