package parking

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Service is the parking product. Its exported methods each run in one transaction bound to the
// scope in the context.
type Service struct {
	db     *postgres.DB
	log    *slog.Logger
	now    func() time.Time
	box    *secretbox.Box // seals the tenants' ChirpStack API tokens (UseSecretKey)
	httpc  *http.Client   // talks to the tenants' ChirpStack servers (display downlinks)
	stream *hub           // the live occupancy stream's listener and subscribers (stream.go)
}

// New returns the parking service.
func New(db *postgres.DB, log *slog.Logger) *Service {
	return &Service{db: db, log: log, now: time.Now, httpc: &http.Client{Timeout: 10 * time.Second},
		stream: newHub(db, log)}
}

// scopeOf returns the request's tenant scope.
func scopeOf(ctx context.Context) (tenancy.Scope, error) {
	return tenancy.FromContext(ctx)
}

// tenantOf returns the request's tenant id as a uuid.
func tenantOf(ctx context.Context) (uuid.UUID, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	return sc.Tenant.UUID(), nil
}

// actor names the caller for created_by columns: the API key or the user.
func actor(ctx context.Context) string {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return ""
	}
	if sc.Principal.KeyID != "" {
		return "api_key:" + sc.Principal.KeyID
	}
	if !sc.Principal.UserID.IsZero() {
		return "user:" + sc.Principal.UserID.String()
	}
	return string(sc.Principal.Kind)
}

// record writes the audit row of a change, inside the change's transaction.
func record(ctx context.Context, q postgres.Querier, action, targetType string, target uuid.UUID, details map[string]any) error {
	return audit.Record(ctx, q, audit.Event{Action: action, TargetType: targetType, TargetID: target.String(), Details: details})
}

// TenantCreated gives a new tenant its default site, inside the registration transaction (an
// identity.TenantCreated hook).
func (s *Service) TenantCreated(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID) error {
	id := tenancy.NewID()
	err := store.New(q).InsertSite(ctx, store.InsertSiteParams{TenantID: tenant.UUID(), ID: id, Name: "Main site", Timezone: "UTC"})
	if err != nil {
		return fmt.Errorf("parking: tenant created: %w", err)
	}
	return record(ctx, q, "site.create", "site", id, map[string]any{"name": "Main site", "default": true})
}
