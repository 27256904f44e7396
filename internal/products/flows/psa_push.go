package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// PSAPush is one push of a session's documentation to a PSA ticket.
type PSAPush struct {
	ID            uuid.UUID  `json:"id"`
	ConnectionID  uuid.UUID  `json:"connection_id"`
	SessionID     uuid.UUID  `json:"session_id"`
	TicketID      string     `json:"ticket_id"`
	Format        string     `json:"format" enum:"md,txt"`
	Status        string     `json:"status" enum:"pending,sent,failed,dead" doc:"pending: queued or in flight; failed: will be tried again at next_attempt_at; dead: given up (retry it); sent"`
	Attempts      int32      `json:"attempts"`
	MaxAttempts   int32      `json:"max_attempts" doc:"The push is dead when attempts reaches it"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty" doc:"When a pending or failed push is tried next"`
	LastError     string     `json:"last_error,omitempty"`
	ExternalID    string     `json:"external_id,omitempty" doc:"The note's id in the PSA, once sent"`
	CreatedBy     uuid.UUID  `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	// Marker is the line every note of this push ends with: a note delivered twice (at-least-once,
	// see docs/flows.md) carries the same marker.
	Marker string `json:"marker"`
}

func pushOf(r store.GetMyPSAPushRow) PSAPush {
	p := PSAPush{ID: r.ID, ConnectionID: r.ConnectionID, SessionID: r.SourceID, TicketID: r.TicketID, Format: r.Format, Status: r.Status,
		Attempts: r.Attempts, MaxAttempts: r.DeadAfter, LastError: r.LastError, ExternalID: r.ExternalID, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, SentAt: r.SentAt, Marker: pushMarker(r.ID)}
	if r.Status == "pending" || r.Status == "failed" {
		at := r.NextAttemptAt
		p.NextAttemptAt = &at
	}
	return p
}

// pushMarker is the idempotency marker of a push, the last line of its note.
func pushMarker(id uuid.UUID) string { return "Tenantry push " + id.String() }

// PushArgs is the job that makes one attempt of a push. It carries the tenant, the push's id and
// the attempt's number only (the note stays in psa_push_outbox, under row-level security); the
// number makes each attempt its own job (jobs are unique by arguments), so the sweep and the
// worker never make one attempt twice.
type PushArgs struct {
	jobs.TenantArgs
	PushID  uuid.UUID `json:"push_id"`
	Attempt int32     `json:"attempt"`
}

// Kind names the job.
func (PushArgs) Kind() string { return "psa.push" }

// MaxAttempts is River's limit for one attempt's job: a PSA failure is recorded on the push and
// retried by the sweep, not by River, which retries only a run that could not reach the database.
func (PushArgs) MaxAttempts() int { return 3 }

// RetrySweepArgs starts the periodic PSA retry sweep.
type RetrySweepArgs struct{}

// Kind names the job.
func (RetrySweepArgs) Kind() string { return "psa.retry" }

// PushInput asks for a push of a session's documentation.
type PushInput struct {
	ConnectionID uuid.UUID
	TicketID     string
	Format       string // md (default) or txt
}

// PushSession queues the documentation of one of the caller's sessions for a ticket of a
// connection's PSA: the note (the session's export) and its job are written in one transaction.
// Another user's session is NotFound; an unknown or inactive connection is Invalid.
func (s *Service) PushSession(ctx context.Context, session uuid.UUID, in PushInput) (PSAPush, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return PSAPush{}, err
	}
	if in.Format == "" {
		in.Format = "md"
	}
	if in.Format != "md" && in.Format != "txt" {
		return PSAPush{}, errs.Invalidf("body.format", "must be md or txt")
	}
	if _, err := strconv.ParseUint(in.TicketID, 10, 63); err != nil || in.TicketID == "0" {
		return PSAPush{}, errs.Invalidf("body.ticket_id", "must be the ticket's number in the PSA")
	}
	doc, err := s.ExportSession(ctx, session, in.Format)
	if err != nil {
		return PSAPush{}, err
	}
	id := tenancy.NewID()
	var out PSAPush
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := st.ActivePSAConnection(ctx, store.ActivePSAConnectionParams{TenantID: m.tenant, ID: in.ConnectionID}); err != nil {
			if postgres.IsNoRows(err) {
				return errs.Invalidf("body.connection_id", "no such active connection")
			}
			return err
		}
		r, err := st.InsertPSAPush(ctx, store.InsertPSAPushParams{TenantID: m.tenant, ID: id, ConnectionID: in.ConnectionID, SourceID: session,
			TicketID: in.TicketID, Format: in.Format, Body: string(doc.Body), DeadAfter: int32(s.psa.cfg.MaxAttempts), CreatedBy: m.user})
		if err != nil {
			return err
		}
		out = pushOf(store.GetMyPSAPushRow(r))
		if err := jobs.InsertTx(ctx, q, PushArgs{TenantArgs: jobs.For(tenancy.TenantID(m.tenant)), PushID: id, Attempt: 1}); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "psa_push.create", TargetType: "psa_push", TargetID: id.String(),
			Details: map[string]any{"session_id": session.String(), "connection_id": in.ConnectionID.String(), "ticket_id": in.TicketID}})
	})
	if err != nil {
		return PSAPush{}, fmt.Errorf("flows: push session: %w", err)
	}
	return out, nil
}

// PushKey is the sort key of push lists (newest first).
type PushKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// ListSessionPushes returns the caller's pushes of one session, newest first.
func (s *Service) ListSessionPushes(ctx context.Context, session uuid.UUID, size int, after *PushKey) ([]PSAPush, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return nil, err
	}
	p := store.ListMySessionPushesParams{TenantID: m.tenant, SourceID: session, UserID: m.user, Lim: int32(size)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []PSAPush
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := st.SessionVisible(ctx, store.SessionVisibleParams{TenantID: m.tenant, ID: session, Me: m.user}); err != nil {
			return err
		}
		rows, err := st.ListMySessionPushes(ctx, p)
		for _, r := range rows {
			out = append(out, pushOf(store.GetMyPSAPushRow(r)))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: list session pushes: %w", notFound(err))
	}
	return out, nil
}

// GetPush returns one of the caller's pushes; anyone else's is NotFound.
func (s *Service) GetPush(ctx context.Context, id uuid.UUID) (PSAPush, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return PSAPush{}, err
	}
	var out PSAPush
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		r, err := store.New(q).GetMyPSAPush(ctx, store.GetMyPSAPushParams{TenantID: m.tenant, ID: id, UserID: m.user})
		out = pushOf(r)
		return err
	})
	if err != nil {
		return PSAPush{}, fmt.Errorf("flows: get push: %w", notFound(err))
	}
	return out, nil
}

// RetryPush queues one of the caller's failed or dead pushes again, with a fresh budget of
// attempts. Another user's push, in this tenant or any other, is NotFound (the predicate on the
// creator is in the query); a push that is pending or sent is a Conflict.
func (s *Service) RetryPush(ctx context.Context, id uuid.UUID) (PSAPush, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return PSAPush{}, err
	}
	var out PSAPush
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		r, err := st.RetryMyPSAPush(ctx, store.RetryMyPSAPushParams{TenantID: m.tenant, ID: id, UserID: m.user, Budget: int32(s.psa.cfg.MaxAttempts)})
		if postgres.IsNoRows(err) {
			if _, gerr := st.GetMyPSAPush(ctx, store.GetMyPSAPushParams{TenantID: m.tenant, ID: id, UserID: m.user}); gerr != nil {
				return notFound(gerr)
			}
			return errs.E(errs.Conflict, "only a failed or dead push can be retried")
		}
		if err != nil {
			return err
		}
		out = pushOf(store.GetMyPSAPushRow(r))
		if err := jobs.InsertTx(ctx, q, PushArgs{TenantArgs: jobs.For(tenancy.TenantID(m.tenant)), PushID: id, Attempt: r.Attempts + 1}); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "psa_push.retry", TargetType: "psa_push", TargetID: id.String()})
	})
	if err != nil {
		return PSAPush{}, fmt.Errorf("flows: retry push: %w", err)
	}
	return out, nil
}

// PSAOutbox returns the tenant's pushes for its admins, newest first, of one status when status is
// not empty.
func (s *Service) PSAOutbox(ctx context.Context, status string, size int, after *PushKey) ([]PSAPush, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListPSAOutboxParams{TenantID: sc.Tenant.UUID(), Lim: int32(size)}
	if status != "" {
		p.Status = &status
	}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []PSAPush
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListPSAOutbox(ctx, p)
		for _, r := range rows {
			out = append(out, pushOf(store.GetMyPSAPushRow(r)))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: psa outbox: %w", err)
	}
	return out, nil
}

// PSAJobs registers the push job and the retry sweep on r; the sweep runs every RetryEvery.
func (s *Service) PSAJobs(r *jobs.Registry) {
	jobs.AddTenant(r, s.deliverPush)
	jobs.Add(r, s.sweepPushes)
	r.Every(s.psa.cfg.RetryEvery, RetrySweepArgs{})
}

// pushesDue finds, across tenants, the pushes whose next attempt is due: failed ones whose
// backoff is over, and pending ones whose attempt's lease ran out (the worker died).
var pushesDue = postgres.Register(postgres.CrossTenant{
	Name: "flows.psa_pushes_due",
	Why:  "the PSA retry sweep finds due pushes of every tenant; each attempt runs in its own tenant's scope, credentials loaded by (tenant, connection)",
	SQL: `SELECT tenant_id, id, attempts FROM psa_push_outbox
WHERE status IN ('pending', 'failed') AND next_attempt_at <= now()
ORDER BY next_attempt_at LIMIT 1000`,
	Reads: map[string][]string{"psa_push_outbox": {"tenant_id", "id", "status", "attempts", "next_attempt_at"}},
})

// sweepPushes inserts the next attempt of every due push, each a job of its tenant. A job for that
// attempt that exists already (queued by the push, or by an earlier sweep) is not inserted twice.
func (s *Service) sweepPushes(ctx context.Context, _ RetrySweepArgs) error {
	rows, err := s.db.CrossTenantQuery(ctx, pushesDue)
	if err != nil {
		return fmt.Errorf("flows: psa retry sweep: %w", err)
	}
	defer rows.Close()
	var todo []jobs.TenantJob
	for rows.Next() {
		var tenant, id uuid.UUID
		var attempts int32
		if err := rows.Scan(&tenant, &id, &attempts); err != nil {
			return fmt.Errorf("flows: psa retry sweep: %w", err)
		}
		todo = append(todo, PushArgs{TenantArgs: jobs.For(tenancy.TenantID(tenant)), PushID: id, Attempt: attempts + 1})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("flows: psa retry sweep: %w", err)
	}
	return jobs.InsertMany(ctx, todo)
}

// deliverPush makes attempt args.Attempt of a push in its tenant's scope: it claims the attempt
// (counted, and leased until it ends), loads the connection's credentials by (tenant, connection),
// posts the note with no transaction open, then records the outcome. A failure is recorded on the
// push (failed, or dead after its last attempt) and the job ends: the sweep makes the next attempt
// when it is due. A push whose attempt was claimed already, or that is not due, is left alone.
func (s *Service) deliverPush(ctx context.Context, args PushArgs) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	tenant := sc.Tenant.UUID()
	var c store.ClaimPSAPushRow
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		c, err = store.New(q).ClaimPSAPush(ctx, store.ClaimPSAPushParams{TenantID: tenant, ID: args.PushID, Attempts: args.Attempt - 1,
			LeaseSeconds: s.psa.cfg.Lease.Seconds()})
		return err
	})
	if postgres.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("flows: psa push %s: claim: %w", args.PushID, err)
	}
	if c.Attempts > c.DeadAfter { // the last attempt's worker died before it recorded an outcome
		return s.finishPush(ctx, tenant, c, "", errors.New("the last attempt was interrupted before its outcome was recorded"))
	}
	if !c.Active {
		return s.finishPush(ctx, tenant, c, "", errors.New("the connection is inactive"))
	}
	creds, err := s.openCredentials(tenant, c.ConnectionID, c.CredentialsEnc)
	if err != nil {
		s.log.ErrorContext(ctx, "flows: psa credentials do not open", "tenant", tenant, "connection", c.ConnectionID, "err", err)
		return s.finishPush(ctx, tenant, c, "", errors.New("the connection's credentials cannot be read; set them again"))
	}
	ticket, _ := strconv.ParseInt(c.TicketID, 10, 64)
	note := psaNote{ticket: ticket, title: "Tenantry session documentation",
		text: strings.TrimRight(c.Body, "\n") + "\n\n" + pushMarker(c.ID)}
	external, perr := s.postNote(ctx, psaTarget{provider: c.Provider, site: c.SiteUrl, creds: creds}, note)
	return s.finishPush(ctx, tenant, c, external, perr)
}

// finishPush records the outcome of a claimed attempt. A failure waits Backoff doubled with each
// attempt (at most 6 h), or longer when the PSA said so (429 with Retry-After); after the push's
// last attempt it is dead.
func (s *Service) finishPush(ctx context.Context, tenant uuid.UUID, c store.ClaimPSAPushRow, external string, failure error) error {
	p := store.FinishPSAPushParams{TenantID: tenant, ID: c.ID, Attempts: c.Attempts, Status: "sent", ExternalID: external,
		NextAttemptAt: time.Now()}
	if failure != nil {
		p.LastError = truncate(failure.Error(), 500)
		p.Status = "failed"
		wait := pushBackoff(s.psa.cfg.Backoff, int(c.Attempts))
		var pe *errPSA
		if errors.As(failure, &pe) && pe.retryAfter > wait {
			wait = pe.retryAfter
		}
		p.NextAttemptAt = time.Now().Add(wait)
		if c.Attempts >= c.DeadAfter {
			p.Status = "dead"
		}
		s.log.WarnContext(ctx, "flows: psa push attempt failed", "tenant", tenant, "push", c.ID, "attempt", c.Attempts,
			"status", p.Status, "err", p.LastError)
	}
	err := s.db.Tx(ctx, func(q postgres.Querier) error {
		_, err := store.New(q).FinishPSAPush(ctx, p)
		return err
	})
	if err != nil {
		return fmt.Errorf("flows: psa push %s: record: %w", c.ID, err)
	}
	return nil
}

// pushBackoff is the wait after failed attempt n (1-based): base doubled with each attempt, at
// most 6 hours.
func pushBackoff(base time.Duration, n int) time.Duration {
	const ceiling = 6 * time.Hour
	if n < 1 {
		n = 1
	}
	if n > 20 {
		return ceiling
	}
	return min(base<<(n-1), ceiling)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
