package endpoints

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
)

// Routes registers the webhook operations (two lines a row: see httpapi.Routes). Every one is for
// admins and up, and for API keys with webhooks:read or webhooks:write.
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	hooks := httpapi.NewRoutes(api, log).Tag("Webhooks")
	read, write := httpapi.Admin("webhooks:read"), httpapi.Admin("webhooks:write")
	const nf = http.StatusNotFound

	httpapi.DescribeTag(api, "Webhooks", "Outbound webhooks: endpoints that receive the tenant's events, signed with a per-endpoint secret, and the log of their deliveries.")
	httpapi.Post(hooks.Location("/api/v1/webhook-endpoints/{id}"), "/api/v1/webhook-endpoints", "create-webhook-endpoint", write,
		s.handleCreate, "Register a webhook endpoint (its signing secret is shown once; a ping is sent to it)", 201)
	httpapi.Get(hooks, "/api/v1/webhook-endpoints", "list-webhook-endpoints", read,
		s.handleList, "List webhook endpoints, newest first")
	httpapi.Get(hooks, "/api/v1/webhook-endpoints/{id}", "get-webhook-endpoint", read,
		s.handleGet, "Get a webhook endpoint", nf)
	httpapi.Patch(hooks, "/api/v1/webhook-endpoints/{id}", "update-webhook-endpoint", write,
		s.handleUpdate, "Change a webhook endpoint's URL, description or event types, or disable or re-enable it", nf)
	httpapi.Delete(hooks, "/api/v1/webhook-endpoints/{id}", "delete-webhook-endpoint", write,
		s.handleDelete, "Delete a webhook endpoint and its delivery log", 204, nf)
	httpapi.Post(hooks, "/api/v1/webhook-endpoints/{id}/rotate-secret", "rotate-webhook-endpoint-secret", write,
		s.handleRotate, "Give a webhook endpoint a new signing secret (shown once); the old one stops at once", nf)
	httpapi.Post(hooks, "/api/v1/webhook-endpoints/{id}/ping", "ping-webhook-endpoint", write,
		s.handlePing, "Queue a webhook.ping delivery to an endpoint", 202, nf)
	httpapi.Get(hooks, "/api/v1/webhook-deliveries", "list-webhook-deliveries", read,
		s.handleListDeliveries, "List webhook deliveries (the delivery log), newest first")
	httpapi.Get(hooks, "/api/v1/webhook-deliveries/{id}", "get-webhook-delivery", read,
		s.handleGetDelivery, "Get a webhook delivery with the body it sends", nf)
	httpapi.Post(hooks, "/api/v1/webhook-deliveries/{id}/replay", "replay-webhook-delivery", write,
		s.handleReplay, "Send a delivery's event again, as a new delivery to the same endpoint", 202, nf)
}

// WebhookEndpoint is a webhook endpoint in responses; it never carries the secret.
type WebhookEndpoint struct {
	ID                  string     `json:"id" format:"uuid"`
	URL                 string     `json:"url" format:"uri" example:"https://hooks.example.com/tenantry"`
	Description         string     `json:"description"`
	EventTypes          []string   `json:"event_types" nullable:"false" example:"[\"parking.reservation.created\"]"`
	Enabled             bool       `json:"enabled" doc:"False once disabled by a member or by consecutive failures"`
	ConsecutiveFailures int32      `json:"consecutive_failures" doc:"Failed attempts since the last success"`
	DisabledAt          *time.Time `json:"disabled_at,omitempty"`
	DisabledReason      string     `json:"disabled_reason,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

func endpointView(e Endpoint) WebhookEndpoint {
	return WebhookEndpoint{ID: e.ID.String(), URL: e.URL, Description: e.Description, EventTypes: e.EventTypes, Enabled: e.DisabledAt == nil,
		ConsecutiveFailures: e.ConsecutiveFailures, DisabledAt: e.DisabledAt, DisabledReason: e.DisabledReason,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// EventTypeList is a list of subscribable event types; its schema enumerates them.
type EventTypeList []string

// Schema implements huma.SchemaProvider.
func (EventTypeList) Schema(huma.Registry) *huma.Schema {
	one, most := 1, 32
	enum := make([]any, 0, len(webhooks.EventTypes))
	for _, t := range webhooks.EventTypes {
		enum = append(enum, t)
	}
	return &huma.Schema{Type: huma.TypeArray, MinItems: &one, MaxItems: &most, UniqueItems: true,
		Items: &huma.Schema{Type: huma.TypeString, Enum: enum}, Examples: []any{[]string{webhooks.ReservationCreated}},
		Description: "Event types the endpoint receives; see docs/webhooks.md"}
}

// CreateEndpointInput is a new endpoint.
type CreateEndpointInput struct {
	Body struct {
		URL         string        `json:"url" format:"uri" minLength:"1" maxLength:"2048" example:"https://hooks.example.com/tenantry" doc:"https; http only to a loopback host where the server allows private addresses"`
		Description string        `json:"description,omitempty" maxLength:"500" example:"SIEM feed"`
		EventTypes  EventTypeList `json:"event_types"`
	}
}

// EndpointSecretOutput is an endpoint with its signing secret, shown only in this response.
type EndpointSecretOutput struct {
	Body struct {
		WebhookEndpoint
		Secret string `json:"secret" example:"whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" doc:"The signing secret, shown only in this response; verify the Tenantry-Signature header with it"`
	}
}

func secretOutput(e Endpoint, secret string) *EndpointSecretOutput {
	out := &EndpointSecretOutput{}
	out.Body.WebhookEndpoint, out.Body.Secret = endpointView(e), secret
	return out
}

func (s *Service) handleCreate(ctx context.Context, in *CreateEndpointInput) (*EndpointSecretOutput, error) {
	e, secret, err := s.Create(ctx, Change{URL: &in.Body.URL, Description: &in.Body.Description, EventTypes: in.Body.EventTypes})
	if err != nil {
		return nil, err
	}
	return secretOutput(e, secret), nil
}

// ListEndpointsInput pages through endpoints.
type ListEndpointsInput struct {
	httpapi.PageInput
}

// ListEndpointsOutput is a page of endpoints.
type ListEndpointsOutput struct {
	Body httpapi.Page[WebhookEndpoint]
}

func (s *Service) handleList(ctx context.Context, in *ListEndpointsInput) (*ListEndpointsOutput, error) {
	key := func(e WebhookEndpoint) EndpointKey { return EndpointKey{e.CreatedAt, uuid.MustParse(e.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *EndpointKey) ([]WebhookEndpoint, error) {
		list, err := s.List(ctx, size+1, after)
		views := make([]WebhookEndpoint, 0, len(list))
		for _, e := range list {
			views = append(views, endpointView(e))
		}
		return views, err
	})
	return &ListEndpointsOutput{Body: page}, err
}

// WebhookEndpointOutput is one endpoint.
type WebhookEndpointOutput struct {
	Body WebhookEndpoint
}

func (s *Service) handleGet(ctx context.Context, in *httpapi.IDInput) (*WebhookEndpointOutput, error) {
	e, err := s.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &WebhookEndpointOutput{Body: endpointView(e)}, nil
}

// UpdateEndpointInput changes an endpoint; members left out are unchanged.
type UpdateEndpointInput struct {
	httpapi.IDInput
	Body struct {
		URL         *string       `json:"url,omitempty" format:"uri" minLength:"1" maxLength:"2048" example:"https://hooks.example.com/tenantry"`
		Description *string       `json:"description,omitempty" maxLength:"500"`
		EventTypes  EventTypeList `json:"event_types,omitempty"`
		Enabled     *bool         `json:"enabled,omitempty" doc:"false disables the endpoint; true re-enables it and forgets its failures"`
	}
}

func (s *Service) handleUpdate(ctx context.Context, in *UpdateEndpointInput) (*WebhookEndpointOutput, error) {
	e, err := s.Update(ctx, in.ID, Change{URL: in.Body.URL, Description: in.Body.Description, EventTypes: in.Body.EventTypes, Enabled: in.Body.Enabled})
	if err != nil {
		return nil, err
	}
	return &WebhookEndpointOutput{Body: endpointView(e)}, nil
}

func (s *Service) handleDelete(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.Delete(ctx, in.ID)
}

func (s *Service) handleRotate(ctx context.Context, in *httpapi.IDInput) (*EndpointSecretOutput, error) {
	e, secret, err := s.RotateSecret(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return secretOutput(e, secret), nil
}

// WebhookDelivery is one delivery of the log: the event, the endpoint and the last attempt.
type WebhookDelivery struct {
	ID                string          `json:"id" format:"uuid"`
	WebhookEndpointID string          `json:"webhook_endpoint_id" format:"uuid"`
	EventID           string          `json:"event_id" format:"uuid" doc:"The event's id; the same in every retry and replay"`
	EventType         string          `json:"event_type" example:"parking.reservation.created"`
	Status            string          `json:"status" enum:"pending,succeeded,failed"`
	Attempts          int32           `json:"attempts"`
	ResponseStatus    *int32          `json:"response_status,omitempty" doc:"The HTTP status of the last attempt's answer"`
	DurationMS        *int32          `json:"duration_ms,omitempty" doc:"The last attempt's duration in milliseconds"`
	LastError         string          `json:"last_error,omitempty"`
	NextAttemptAt     *time.Time      `json:"next_attempt_at,omitempty" doc:"When a pending delivery is tried again"`
	ReplayOf          string          `json:"replay_of,omitempty" format:"uuid" doc:"The delivery this one replays"`
	CreatedAt         time.Time       `json:"created_at"`
	CompletedAt       *time.Time      `json:"completed_at,omitempty"`
	Payload           json.RawMessage `json:"payload,omitempty" doc:"The body sent (one delivery only): the event envelope"`
}

func deliveryView(d Delivery) WebhookDelivery {
	v := WebhookDelivery{ID: d.ID.String(), WebhookEndpointID: d.EndpointID.String(), EventID: d.EventID.String(), EventType: d.EventType,
		Status: d.Status, Attempts: d.Attempts, ResponseStatus: d.ResponseStatus, DurationMS: d.DurationMS, LastError: d.LastError,
		NextAttemptAt: d.NextAttemptAt, CreatedAt: d.CreatedAt, CompletedAt: d.CompletedAt, Payload: d.Body}
	if d.ReplayOf != nil {
		v.ReplayOf = d.ReplayOf.String()
	}
	return v
}

// WebhookDeliveryOutput is one delivery.
type WebhookDeliveryOutput struct {
	Body WebhookDelivery
}

func (s *Service) handlePing(ctx context.Context, in *httpapi.IDInput) (*WebhookDeliveryOutput, error) {
	d, err := s.Ping(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &WebhookDeliveryOutput{Body: deliveryView(d)}, nil
}

// ListWebhookDeliveriesInput filters and pages the delivery log.
type ListWebhookDeliveriesInput struct {
	httpapi.PageInput
	WebhookEndpointID string `query:"webhook_endpoint_id" format:"uuid" doc:"Only deliveries to this endpoint (its delivery log)"`
	Status            string `query:"status" enum:"pending,succeeded,failed" doc:"Only deliveries in this state"`
	EventType         string `query:"event_type" maxLength:"100" doc:"Only this event type"`
}

// ListWebhookDeliveriesOutput is a page of deliveries.
type ListWebhookDeliveriesOutput struct {
	Body httpapi.Page[WebhookDelivery]
}

func (s *Service) handleListDeliveries(ctx context.Context, in *ListWebhookDeliveriesInput) (*ListWebhookDeliveriesOutput, error) {
	f := DeliveryFilter{Status: in.Status, EventType: in.EventType}
	if in.WebhookEndpointID != "" {
		f.Endpoint = uuid.NullUUID{UUID: uuid.MustParse(in.WebhookEndpointID), Valid: true}
	}
	key := func(d WebhookDelivery) DeliveryKey { return DeliveryKey{d.CreatedAt, uuid.MustParse(d.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *DeliveryKey) ([]WebhookDelivery, error) {
		list, err := s.ListDeliveries(ctx, f, size+1, after)
		views := make([]WebhookDelivery, 0, len(list))
		for _, d := range list {
			views = append(views, deliveryView(d))
		}
		return views, err
	})
	return &ListWebhookDeliveriesOutput{Body: page}, err
}

func (s *Service) handleGetDelivery(ctx context.Context, in *httpapi.IDInput) (*WebhookDeliveryOutput, error) {
	d, err := s.GetDelivery(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &WebhookDeliveryOutput{Body: deliveryView(d)}, nil
}

func (s *Service) handleReplay(ctx context.Context, in *httpapi.IDInput) (*WebhookDeliveryOutput, error) {
	d, err := s.Replay(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &WebhookDeliveryOutput{Body: deliveryView(d)}, nil
}
