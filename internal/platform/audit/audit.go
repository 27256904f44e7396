// Package audit writes Tenantry's append-only audit log. A tenant's events are written in the same
// transaction as the change they record (Record takes the transaction's Querier), so a change and
// its audit row commit or fail together. Events that belong to no tenant (a failed sign-in) go to
// the global security log (RecordSecurity). Both take the request id and client address from
// the context (tenancy.Request). Log serves a tenant's log over HTTP (routes.go).
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/audit/store"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Outcome is how the recorded action ended.
type Outcome string

// The outcomes.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
	Denied  Outcome = "denied"
)

// Event is one audited action.
type Event struct {
	Action     string // e.g. "auth.login", "space.create"
	TargetType string
	TargetID   string
	Outcome    Outcome
	Details    map[string]any // never a secret, token or password
}

// Record writes e to the audit log of the tenant in ctx's scope, inside the caller's transaction.
func Record(ctx context.Context, q postgres.Querier, e Event) error {
	s, err := tenancy.FromContext(ctx)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	details, err := marshal(e.Details)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	req := tenancy.RequestFrom(ctx)
	row := store.InsertEventParams{
		TenantID: s.Tenant.UUID(), ID: tenancy.NewID(), PrincipalKind: string(s.Principal.Kind),
		ActorID: actorOf(s.Principal), Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
		Outcome: string(outcomeOr(e.Outcome)), RequestID: req.ID, Ip: addr(req.IP), Details: details,
	}
	if err := store.New(q).InsertEvent(ctx, row); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	// The tenant's endpoints subscribed to audit.event get the event as the audit log shows it.
	v := EventView{ID: row.ID.String(), OccurredAt: time.Now().UTC(), PrincipalKind: row.PrincipalKind, ActorID: row.ActorID,
		Action: row.Action, TargetType: row.TargetType, TargetID: row.TargetID, Outcome: row.Outcome, RequestID: row.RequestID, Details: details}
	if row.Ip != nil {
		v.IP = row.Ip.String()
	}
	if err := webhooks.Emit(ctx, q, webhooks.AuditEvent, v); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// RecordSecurity writes e to the global security log, for events that belong to no tenant. user is
// the user concerned, when known. Events of a request are sampled: the first event with the same
// action, outcome and details from the same client address (an IPv6 /64) in a minute is kept, the
// others are dropped, so a flood from one source adds at most one row per kind of event a minute.
func RecordSecurity(ctx context.Context, db *postgres.DB, user tenancy.UserID, e Event) error {
	details, err := marshal(e.Details)
	if err != nil {
		return fmt.Errorf("audit: security %s: %w", e.Action, err)
	}
	req := tenancy.RequestFrom(ctx)
	uid := uuid.NullUUID{UUID: user.UUID(), Valid: !user.IsZero()}
	outcome := string(outcomeOr(e.Outcome))
	err = db.Global(ctx, func(q postgres.Querier) error {
		return store.New(q).InsertSecurityEvent(ctx, store.InsertSecurityEventParams{
			ID: tenancy.NewID(), Action: e.Action, UserID: uid, Outcome: outcome,
			RequestID: req.ID, Ip: addr(req.IP), Details: details,
			SampleKey: sampleKey(req.IP, time.Now(), e.Action, outcome, details),
		})
	})
	if err != nil {
		return fmt.Errorf("audit: security %s: %w", e.Action, err)
	}
	return nil
}

// sampleKey names the sample a security event belongs to: its source (the client address, an IPv6
// /64), the minute, and the kind of event. Events with no client address are not sampled (nil).
func sampleKey(ip netip.Addr, at time.Time, action, outcome string, details []byte) []byte {
	if !ip.IsValid() {
		return nil
	}
	source := ip.Unmap().String()
	if ip.Unmap().Is6() {
		p, _ := ip.Prefix(64)
		source = p.String()
	}
	h := sha256.New()
	for _, part := range []string{source, at.UTC().Truncate(time.Minute).Format(time.RFC3339), action, outcome} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(details)
	return h.Sum(nil)
}

func actorOf(p tenancy.Principal) string {
	if p.KeyID != "" {
		return p.KeyID
	}
	if !p.UserID.IsZero() {
		return p.UserID.String()
	}
	return ""
}

func outcomeOr(o Outcome) Outcome {
	if o == "" {
		return Success
	}
	return o
}

func marshal(d map[string]any) ([]byte, error) {
	if d == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(d)
}

func addr(a netip.Addr) *netip.Addr {
	if !a.IsValid() {
		return nil
	}
	return &a
}

// RecordDenial records that principal was refused operation by its access declaration: in the
// tenant's audit log when the caller has a tenant, else in the security log. It logs, rather than
// returns, its own failure: a denial must never turn into a different error for the caller.
func RecordDenial(ctx context.Context, db *postgres.DB, log *slog.Logger, tenant tenancy.TenantID, p tenancy.Principal, role tenancy.Role, operation string) {
	e := Event{Action: "auth.denied", TargetType: "operation", TargetID: operation, Outcome: Denied}
	var err error
	if tenant.IsZero() || !role.Valid() {
		e.Details = map[string]any{"operation": operation}
		err = RecordSecurity(ctx, db, p.UserID, e)
	} else {
		sctx, serr := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Principal: p, Role: role})
		if serr != nil {
			err = serr
		} else {
			err = db.Tx(sctx, func(q postgres.Querier) error { return Record(sctx, q, e) })
		}
	}
	if err != nil {
		log.ErrorContext(ctx, "security event not recorded", "action", e.Action, "err", err)
	}
}

// RecordSecurityTx writes e to the global security log in the caller's transaction q, for changes
// of a user's own account that belong to no tenant (enrolling a second factor): the row commits or
// rolls back with the change. Such rows are not sampled.
func RecordSecurityTx(ctx context.Context, q postgres.Querier, user tenancy.UserID, e Event) error {
	details, err := marshal(e.Details)
	if err != nil {
		return fmt.Errorf("audit: security %s: %w", e.Action, err)
	}
	req := tenancy.RequestFrom(ctx)
	err = store.New(q).InsertSecurityEvent(ctx, store.InsertSecurityEventParams{
		ID: tenancy.NewID(), Action: e.Action, UserID: uuid.NullUUID{UUID: user.UUID(), Valid: !user.IsZero()},
		Outcome: string(outcomeOr(e.Outcome)), RequestID: req.ID, Ip: addr(req.IP), Details: details,
	})
	if err != nil {
		return fmt.Errorf("audit: security %s: %w", e.Action, err)
	}
	return nil
}
