package endpoints

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/platform/webhooks/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Config tunes delivery; zero values take the defaults.
type Config struct {
	// AllowPrivate admits endpoints on loopback, private and reserved addresses, and http:// to a
	// loopback host (development and tests). Off, such endpoints are refused when registered and
	// such addresses when a delivery connects.
	AllowPrivate bool
	Timeout      time.Duration // one attempt, connection to response; default 10 s
	DisableAfter int           // consecutive failed attempts that disable an endpoint; default 20
}

// The defaults of Config (and of TENANTRY_WEBHOOK_TIMEOUT, TENANTRY_WEBHOOK_DISABLE_AFTER).
const (
	DefaultTimeout      = 10 * time.Second
	DefaultDisableAfter = 20
)

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.DisableAfter <= 0 {
		c.DisableAfter = DefaultDisableAfter
	}
	return c
}

// Service manages a tenant's webhook endpoints and delivers their events.
type Service struct {
	db     *postgres.DB
	log    *slog.Logger
	box    *secretbox.Box
	cfg    Config
	client *http.Client
}

// New returns the webhook service; secretKey (secretbox.KeySize bytes) seals the endpoints' secrets.
func New(db *postgres.DB, log *slog.Logger, secretKey []byte, cfg Config) (*Service, error) {
	box, err := secretbox.New(secretKey)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	cfg = cfg.withDefaults()
	return &Service{db: db, log: log, box: box, cfg: cfg, client: newClient(cfg)}, nil
}

// Endpoint is a registered endpoint; it never carries its secret.
type Endpoint struct {
	ID                  uuid.UUID
	URL                 string
	Description         string
	EventTypes          []string
	ConsecutiveFailures int32
	DisabledAt          *time.Time
	DisabledReason      string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func endpointOf(r store.GetEndpointRow) Endpoint {
	return Endpoint{ID: r.ID, URL: r.Url, Description: r.Description, EventTypes: r.EventTypes, ConsecutiveFailures: r.ConsecutiveFailures,
		DisabledAt: r.DisabledAt, DisabledReason: r.DisabledReason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Change is a new endpoint, or what an update changes (nil: unchanged).
type Change struct {
	URL         *string
	Description *string
	EventTypes  []string
	Enabled     *bool
}

// checkTypes validates and normalises a subscription list.
func checkTypes(types []string) ([]string, error) {
	for _, t := range types {
		if !webhooks.IsEventType(t) {
			return nil, errs.Invalidf("body.event_types", "unknown event type %q", t)
		}
	}
	if len(types) == 0 {
		return nil, errs.Invalidf("body.event_types", "subscribe to at least one event type")
	}
	return slices.Compact(slices.Sorted(slices.Values(types))), nil
}

// newSecret returns a fresh signing secret.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// sealContext binds a sealed secret to its tenant and endpoint: a sealed value copied to another
// row does not open.
func sealContext(tenant, endpoint uuid.UUID) []byte {
	return []byte("webhook-endpoint/" + tenant.String() + "/" + endpoint.String())
}

// sealNew makes and seals a secret for an endpoint.
func (s *Service) sealNew(tenant, endpoint uuid.UUID) (string, []byte, error) {
	secret, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	sealed, err := s.box.Seal([]byte(secret), sealContext(tenant, endpoint))
	return secret, sealed, err
}

// Create registers an endpoint for the scope's tenant and returns it with its secret, shown this
// once. A ping delivery is queued to it (as GitHub does), so the receiver can be checked at once.
func (s *Service) Create(ctx context.Context, c Change) (Endpoint, string, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Endpoint{}, "", err
	}
	if c.URL == nil {
		return Endpoint{}, "", errs.Invalidf("body.url", "required")
	}
	target, err := s.checkURL(*c.URL)
	if err != nil {
		return Endpoint{}, "", err
	}
	types, err := checkTypes(c.EventTypes)
	if err != nil {
		return Endpoint{}, "", err
	}
	id := tenancy.NewID()
	secret, sealed, err := s.sealNew(sc.Tenant.UUID(), id)
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: create: %w", err)
	}
	var out Endpoint
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		r, err := store.New(q).InsertEndpoint(ctx, store.InsertEndpointParams{TenantID: sc.Tenant.UUID(), ID: id, Url: target,
			Description: deref(c.Description), EventTypes: types, SecretSealed: sealed})
		if err != nil {
			return err
		}
		out = endpointOf(store.GetEndpointRow(r))
		if err := audit.Record(ctx, q, audit.Event{Action: "webhook_endpoint.create", TargetType: "webhook_endpoint", TargetID: id.String(),
			Details: map[string]any{"url": target, "event_types": types}}); err != nil {
			return err
		}
		_, err = s.ping(ctx, q, id)
		return err
	})
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: create: %w", err)
	}
	return out, secret, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// EndpointKey is the sort key of the endpoint list (newest first).
type EndpointKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// List returns up to size endpoints of the tenant after the key after (nil: from the newest).
func (s *Service) List(ctx context.Context, size int, after *EndpointKey) ([]Endpoint, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListEndpointsParams{TenantID: sc.Tenant.UUID(), Lim: int32(size)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Endpoint
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListEndpoints(ctx, p)
		for _, r := range rows {
			out = append(out, endpointOf(store.GetEndpointRow(r)))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: list endpoints: %w", err)
	}
	return out, nil
}

// Get returns one endpoint of the tenant, or NotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Endpoint, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Endpoint, error) {
		r, err := store.New(q).GetEndpoint(ctx, store.GetEndpointParams{TenantID: tenant, ID: id})
		return endpointOf(r), err
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhooks: get endpoint: %w", err)
	}
	return out, nil
}

// Update changes an endpoint; enabling a disabled endpoint forgets its failures. NotFound for an
// endpoint the tenant does not have.
func (s *Service) Update(ctx context.Context, id uuid.UUID, c Change) (Endpoint, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	p := store.UpdateEndpointParams{TenantID: sc.Tenant.UUID(), ID: id, Description: c.Description, Enabled: c.Enabled}
	if c.URL != nil {
		target, err := s.checkURL(*c.URL)
		if err != nil {
			return Endpoint{}, err
		}
		p.Url = &target
	}
	if c.EventTypes != nil {
		if p.EventTypes, err = checkTypes(c.EventTypes); err != nil {
			return Endpoint{}, err
		}
	}
	var out Endpoint
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		r, err := store.New(q).UpdateEndpoint(ctx, p)
		if err != nil {
			return err
		}
		out = endpointOf(store.GetEndpointRow(r))
		return audit.Record(ctx, q, audit.Event{Action: "webhook_endpoint.update", TargetType: "webhook_endpoint", TargetID: id.String(),
			Details: map[string]any{"url": out.URL, "event_types": out.EventTypes, "enabled": out.DisabledAt == nil}})
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhooks: update endpoint: %w", err)
	}
	return out, nil
}

// Delete deletes an endpoint and its delivery log; its pending deliveries are dropped.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		n, err := store.New(q).DeleteEndpoint(ctx, store.DeleteEndpointParams{TenantID: sc.Tenant.UUID(), ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.ErrNotFound
		}
		return audit.Record(ctx, q, audit.Event{Action: "webhook_endpoint.delete", TargetType: "webhook_endpoint", TargetID: id.String()})
	})
	if err != nil {
		return fmt.Errorf("webhooks: delete endpoint: %w", err)
	}
	return nil
}

// RotateSecret gives an endpoint a new secret, returned this once; the old one stops signing at
// once (deliveries attempted from now on carry the new signature).
func (s *Service) RotateSecret(ctx context.Context, id uuid.UUID) (Endpoint, string, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Endpoint{}, "", err
	}
	secret, sealed, err := s.sealNew(sc.Tenant.UUID(), id)
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: rotate secret: %w", err)
	}
	var out Endpoint
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		n, err := st.SetEndpointSecret(ctx, store.SetEndpointSecretParams{TenantID: sc.Tenant.UUID(), ID: id, SecretSealed: sealed})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.ErrNotFound
		}
		r, err := st.GetEndpoint(ctx, store.GetEndpointParams{TenantID: sc.Tenant.UUID(), ID: id})
		if err != nil {
			return err
		}
		out = endpointOf(r)
		return audit.Record(ctx, q, audit.Event{Action: "webhook_endpoint.rotate_secret", TargetType: "webhook_endpoint", TargetID: id.String()})
	})
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: rotate secret: %w", err)
	}
	return out, secret, nil
}

// Ping queues a webhook.ping delivery to an endpoint and returns it.
func (s *Service) Ping(ctx context.Context, id uuid.UUID) (Delivery, error) {
	var delivery uuid.UUID
	err := s.db.Tx(ctx, func(q postgres.Querier) error {
		sc, err := tenancy.FromContext(ctx)
		if err != nil {
			return err
		}
		if _, err := store.New(q).GetEndpoint(ctx, store.GetEndpointParams{TenantID: sc.Tenant.UUID(), ID: id}); err != nil {
			return err
		}
		if delivery, err = s.ping(ctx, q, id); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "webhook_endpoint.ping", TargetType: "webhook_endpoint", TargetID: id.String(),
			Details: map[string]any{"delivery_id": delivery.String()}})
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("webhooks: ping: %w", err)
	}
	return s.GetDelivery(ctx, delivery)
}

// ping queues a ping to endpoint in q.
func (s *Service) ping(ctx context.Context, q postgres.Querier, endpoint uuid.UUID) (uuid.UUID, error) {
	body, err := webhooks.NewEvent(ctx, webhooks.Ping, map[string]any{"webhook_endpoint_id": endpoint.String()})
	if err != nil {
		return uuid.Nil, err
	}
	return webhooks.Enqueue(ctx, q, endpoint, body, nil)
}
