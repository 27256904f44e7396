package endpoints

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/platform/webhooks/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Delivery is one event sent (or to be sent) to one endpoint, with its last attempt.
type Delivery struct {
	ID             uuid.UUID
	EndpointID     uuid.UUID
	EventID        uuid.UUID
	EventType      string
	Status         string // pending, succeeded, failed
	Attempts       int32
	ResponseStatus *int32
	DurationMS     *int32
	LastError      string
	NextAttemptAt  *time.Time
	ReplayOf       *uuid.UUID
	CreatedAt      time.Time
	CompletedAt    *time.Time
	Body           json.RawMessage // GetDelivery only
}

func deliveryOf(r store.ListDeliveriesRow) Delivery {
	d := Delivery{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, EventType: r.EventType, Status: r.Status, Attempts: r.Attempts,
		ResponseStatus: r.ResponseStatus, DurationMS: r.DurationMs, LastError: r.LastError, NextAttemptAt: r.NextAttemptAt,
		CreatedAt: r.CreatedAt, CompletedAt: r.CompletedAt}
	if r.ReplayOf.Valid {
		d.ReplayOf = &r.ReplayOf.UUID
	}
	return d
}

// DeliveryFilter narrows the delivery log.
type DeliveryFilter struct {
	Endpoint  uuid.NullUUID
	Status    string
	EventType string
}

// DeliveryKey is the sort key of the delivery log (newest first).
type DeliveryKey = EndpointKey

// ListDeliveries returns up to size deliveries of the tenant matching f, after the key after.
func (s *Service) ListDeliveries(ctx context.Context, f DeliveryFilter, size int, after *DeliveryKey) ([]Delivery, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListDeliveriesParams{TenantID: sc.Tenant.UUID(), EndpointID: f.Endpoint, Status: orNil(f.Status),
		EventType: orNil(f.EventType), Lim: int32(size)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Delivery
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListDeliveries(ctx, p)
		for _, r := range rows {
			out = append(out, deliveryOf(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: list deliveries: %w", err)
	}
	return out, nil
}

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// GetDelivery returns one delivery with its body, or NotFound.
func (s *Service) GetDelivery(ctx context.Context, id uuid.UUID) (Delivery, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Delivery, error) {
		r, err := store.New(q).GetDelivery(ctx, store.GetDeliveryParams{TenantID: tenant, ID: id})
		d := deliveryOf(store.ListDeliveriesRow{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, EventType: r.EventType,
			Status: r.Status, Attempts: r.Attempts, ResponseStatus: r.ResponseStatus, DurationMs: r.DurationMs, LastError: r.LastError,
			NextAttemptAt: r.NextAttemptAt, ReplayOf: r.ReplayOf, CreatedAt: r.CreatedAt, CompletedAt: r.CompletedAt})
		d.Body = json.RawMessage(r.Body)
		return d, err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("webhooks: get delivery: %w", err)
	}
	return out, nil
}

// Replay queues the event of a delivery again, to the same endpoint, as a new delivery (same event
// id, same body, a new signature when it is sent), and returns the new delivery.
func (s *Service) Replay(ctx context.Context, id uuid.UUID) (Delivery, error) {
	var replay uuid.UUID
	err := s.db.Tx(ctx, func(q postgres.Querier) error {
		sc, err := tenancy.FromContext(ctx)
		if err != nil {
			return err
		}
		d, err := store.New(q).GetDelivery(ctx, store.GetDeliveryParams{TenantID: sc.Tenant.UUID(), ID: id})
		if err != nil {
			return err
		}
		if replay, err = webhooks.Enqueue(ctx, q, d.EndpointID, []byte(d.Body), &id); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "webhook_delivery.replay", TargetType: "webhook_delivery", TargetID: id.String(),
			Details: map[string]any{"replay_id": replay.String()}})
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("webhooks: replay: %w", err)
	}
	return s.GetDelivery(ctx, replay)
}
