package endpoints

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/platform/webhooks/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/telemetry"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Jobs registers the delivery job on r.
func (s *Service) Jobs(r *jobs.Registry) { jobs.AddTenant(r, s.deliver) }

// attempt is the outcome of one attempt.
type attempt struct {
	status   int
	duration time.Duration
	err      error
}

// outcome is the attempt's label in tenantry_webhook_deliveries_total.
func (a attempt) outcome(disabled bool) string {
	switch {
	case a.err == nil:
		return telemetry.WebhookDelivered
	case disabled:
		return telemetry.WebhookDisabled
	case errors.Is(a.err, context.DeadlineExceeded) || os.IsTimeout(a.err):
		return telemetry.WebhookTimeout
	}
	return telemetry.WebhookFailed
}

// deliver makes one attempt of a delivery in its tenant's scope (set by the job). No transaction
// is held while the endpoint is called: the delivery is read, posted, then its outcome recorded in
// a short transaction. A failure is returned to River, which retries after webhooks.Backoff, unless
// it was the last attempt or it disabled the endpoint (then the delivery has failed for good).
func (s *Service) deliver(ctx context.Context, args webhooks.DeliverArgs) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	tenant := sc.Tenant.UUID()
	var d store.PendingDeliveryRow
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		d, err = store.New(q).PendingDelivery(ctx, store.PendingDeliveryParams{TenantID: tenant, ID: args.DeliveryID})
		return err
	})
	if postgres.IsNoRows(err) {
		return nil // done already, or its endpoint was deleted
	}
	if err != nil {
		return fmt.Errorf("webhooks: deliver %s: %w", args.DeliveryID, err)
	}
	if d.DisabledAt != nil {
		return s.record(ctx, args, d, attempt{err: fmt.Errorf("the endpoint is disabled")}, true)
	}
	secret, err := s.box.Open(d.SecretSealed, sealContext(tenant, d.EndpointID))
	if err != nil {
		s.log.ErrorContext(ctx, "webhooks: endpoint secret does not open", "tenant", tenant, "endpoint", d.EndpointID, "err", err)
		return s.record(ctx, args, d, attempt{err: fmt.Errorf("the endpoint's secret cannot be read; rotate it")}, true)
	}
	body := []byte(d.Body)
	headers := map[string]string{
		webhooks.SignatureHeader: webhooks.Sign(string(secret), time.Now(), body), webhooks.EventIDHeader: d.EventID.String(),
		webhooks.EventTypeHeader: d.EventType, webhooks.DeliveryIDHeader: args.DeliveryID.String(),
	}
	start := time.Now()
	status, perr := s.post(ctx, d.Url, headers, body)
	return s.record(ctx, args, d, attempt{status: status, duration: time.Since(start), err: perr}, false)
}

// record writes an attempt's outcome on the delivery and its endpoint (the failure count, which
// may disable it) and returns what River should do: nil when the delivery is finished.
func (s *Service) record(ctx context.Context, args webhooks.DeliverArgs, d store.PendingDeliveryRow, a attempt, final bool) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	tenant := sc.Tenant.UUID()
	p := store.RecordAttemptParams{TenantID: tenant, ID: args.DeliveryID, DurationMs: ptr(int32(a.duration.Milliseconds())), Status: "succeeded"}
	if a.status != 0 {
		p.ResponseStatus = ptr(int32(a.status))
	}
	var disabled bool
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if a.err == nil {
			if err := st.EndpointSucceeded(ctx, store.EndpointSucceededParams{TenantID: tenant, ID: d.EndpointID}); err != nil {
				return err
			}
			return st.RecordAttempt(ctx, p)
		}
		p.LastError, p.Status = truncate(a.err.Error(), 500), "failed"
		if !final {
			if disabled, err = st.EndpointFailed(ctx, store.EndpointFailedParams{TenantID: tenant, ID: d.EndpointID,
				DisableAfter: int32(s.cfg.DisableAfter)}); err != nil {
				return err
			}
			if disabled {
				if err := s.auditDisabled(ctx, q, d); err != nil {
					return err
				}
			}
		}
		final = final || disabled || jobs.LastAttempt(ctx)
		if !final {
			p.Status = "pending"
			p.NextAttemptAt = ptr(time.Now().Add(webhooks.Backoff(args.DeliveryID, jobs.Attempt(ctx))))
		}
		return st.RecordAttempt(ctx, p)
	})
	if err != nil {
		return fmt.Errorf("webhooks: deliver %s: record: %w", args.DeliveryID, err)
	}
	telemetry.WebhookDelivery(a.outcome(disabled))
	if a.err == nil || final {
		return nil
	}
	return fmt.Errorf("webhooks: deliver %s: %w", args.DeliveryID, a.err)
}

// auditDisabled records, in the tenant's audit log, that failures disabled an endpoint.
func (s *Service) auditDisabled(ctx context.Context, q postgres.Querier, d store.PendingDeliveryRow) error {
	s.log.WarnContext(ctx, "webhooks: endpoint disabled after consecutive failures", "endpoint", d.EndpointID,
		"failures", s.cfg.DisableAfter)
	return audit.Record(ctx, q, audit.Event{Action: "webhook_endpoint.disable", TargetType: "webhook_endpoint", TargetID: d.EndpointID.String(),
		Outcome: audit.Failure, Details: map[string]any{"reason": "consecutive failures", "failures": strconv.Itoa(s.cfg.DisableAfter)}})
}

func ptr[T any](v T) *T { return &v }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
