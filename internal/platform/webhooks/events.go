package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/webhooks/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// The event types an endpoint can subscribe to.
const (
	SpaceStateChanged    = "parking.space.state_changed"
	ReservationCreated   = "parking.reservation.created"
	ReservationCancelled = "parking.reservation.cancelled"
	ReservationExpired   = "parking.reservation.expired"
	ReservationNoShow    = "parking.reservation.no_show"
	SessionCompleted     = "flows.session.completed"
	MemberAdded          = "member.added"
	MemberRemoved        = "member.removed"
	AuditEvent           = "audit.event"
	// Ping is sent when an endpoint is created and by the test-ping operation, whatever the
	// endpoint subscribes to; it cannot be subscribed to.
	Ping = "webhook.ping"
)

// EventTypes lists the subscribable event types, in documentation order.
var EventTypes = []string{SpaceStateChanged, ReservationCreated, ReservationCancelled, ReservationExpired,
	ReservationNoShow, SessionCompleted, MemberAdded, MemberRemoved, AuditEvent}

// IsEventType reports whether t is a subscribable event type.
func IsEventType(t string) bool { return slices.Contains(EventTypes, t) }

// Envelope is the body of every delivery.
type Envelope struct {
	ID        string          `json:"id" format:"uuid" doc:"The event's id; a replay or retry carries the same id (deduplicate on it)"`
	Type      string          `json:"type" example:"parking.reservation.created"`
	CreatedAt time.Time       `json:"created_at"`
	TenantID  string          `json:"tenant_id" format:"uuid"`
	Data      json.RawMessage `json:"data" doc:"The event's object: the same fields as the API's view of it"`
}

// Emit records the event eventType with payload (marshalled as JSON into the envelope's data) for
// every enabled endpoint of the scope's tenant that subscribes to it: a delivery row and its job,
// in the caller's transaction q. With no such endpoint it writes nothing. payload must hold only
// the tenant's own data (the object the change made, as the API shows it to the tenant).
func Emit(ctx context.Context, q postgres.Querier, eventType string, payload any) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return fmt.Errorf("webhooks: emit %s: %w", eventType, err)
	}
	ids, err := store.New(q).SubscribedEndpoints(ctx, store.SubscribedEndpointsParams{TenantID: sc.Tenant.UUID(), EventType: eventType})
	if err != nil || len(ids) == 0 {
		return wrap(eventType, err)
	}
	body, err := envelope(sc.Tenant, tenancy.NewID(), eventType, time.Now(), payload)
	if err != nil {
		return wrap(eventType, err)
	}
	for _, endpoint := range ids {
		if _, err := Enqueue(ctx, q, endpoint, body, nil); err != nil {
			return wrap(eventType, err)
		}
	}
	return nil
}

func wrap(eventType string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("webhooks: emit %s: %w", eventType, err)
}

// envelope marshals the body of an event.
func envelope(tenant tenancy.TenantID, id uuid.UUID, eventType string, at time.Time, payload any) ([]byte, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Envelope{ID: id.String(), Type: eventType, CreatedAt: at.UTC(), TenantID: tenant.String(), Data: data})
}

// NewEvent marshals an event of the scope's tenant that bypasses subscriptions (a ping).
func NewEvent(ctx context.Context, eventType string, payload any) ([]byte, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	return envelope(sc.Tenant, tenancy.NewID(), eventType, time.Now(), payload)
}

// Enqueue writes one delivery of the event body to endpoint, with its job, in the caller's
// transaction, and returns the delivery's id. replayOf names the delivery it replays, if any.
func Enqueue(ctx context.Context, q postgres.Querier, endpoint uuid.UUID, body []byte, replayOf *uuid.UUID) (uuid.UUID, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	var env struct {
		ID   uuid.UUID `json:"id"`
		Type string    `json:"type"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return uuid.Nil, fmt.Errorf("webhooks: enqueue: %w", err)
	}
	id := tenancy.NewID()
	rep := uuid.NullUUID{}
	if replayOf != nil {
		rep = uuid.NullUUID{UUID: *replayOf, Valid: true}
	}
	err = store.New(q).InsertDelivery(ctx, store.InsertDeliveryParams{TenantID: sc.Tenant.UUID(), ID: id, EndpointID: endpoint,
		EventID: env.ID, EventType: env.Type, Body: string(body), ReplayOf: rep})
	if err != nil {
		return uuid.Nil, fmt.Errorf("webhooks: enqueue: %w", err)
	}
	if err := jobs.InsertTx(ctx, q, DeliverArgs{TenantArgs: jobs.For(sc.Tenant), DeliveryID: id}); err != nil {
		return uuid.Nil, fmt.Errorf("webhooks: enqueue: %w", err)
	}
	return id, nil
}

// MaxAttempts is how often a delivery is tried before it is given up (status failed).
const MaxAttempts = 12

// DeliverArgs is the job that delivers one webhook delivery. It carries the tenant and the
// delivery's id only: the event stays in webhook_deliveries, under row-level security.
type DeliverArgs struct {
	jobs.TenantArgs
	DeliveryID uuid.UUID `json:"delivery_id"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "webhook.deliver" }

// MaxAttempts is how often a delivery is tried (jobs.AttemptLimit).
func (DeliverArgs) MaxAttempts() int { return MaxAttempts }

// RetryAfter is the exponential backoff of deliveries (jobs.RetryBackoff).
func (a DeliverArgs) RetryAfter(attempt int) time.Duration { return Backoff(a.DeliveryID, attempt) }

// Backoff returns how long to wait after failed attempt n (1-based) of a delivery before the
// next: 30 s doubled with each attempt, at most 6 h, less up to 10 % of jitter so that an
// endpoint's deliveries that failed together do not all come back at once. The jitter is derived
// from the delivery and the attempt, so the delivery log can show the time River will use. The
// twelve attempts of a delivery span about 15 hours.
func Backoff(delivery uuid.UUID, n int) time.Duration {
	const base, ceiling = 30 * time.Second, 6 * time.Hour
	d := ceiling
	n = max(n, 1)
	if n <= 10 {
		d = min(base<<(n-1), ceiling)
	}
	h := fnv.New64a()
	h.Write(delivery[:])
	h.Write([]byte{byte(n)})
	return d - time.Duration(h.Sum64()%uint64(d/10+1))
}
