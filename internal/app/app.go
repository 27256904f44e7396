// Package app is Tenantry's one assembly: the platform and the products wired together, and the
// list of every package's migrations. The binary (cmd/tenantry), the test kit and the load
// harness build the service through it; nothing else imports it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/console"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/apikeys"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/idempotency"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/platform/staff"
	"github.com/tenantry/tenantry/internal/platform/tenantdata"
	"github.com/tenantry/tenantry/internal/platform/webhooks/endpoints"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/telemetry"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TokenIssuer and TokenAudience are the token claims every Tenantry instance issues and demands.
const (
	TokenIssuer   = "tenantry"
	TokenAudience = "tenantry-api"
)

// Config is what the assembly needs; cmd/tenantry builds it from the environment and validates it.
type Config struct {
	Keys         *auth.Keys    // JWT signing keys
	SecretKey    []byte        // seals secrets at rest (TOTP secrets, SSO client secrets): secretbox.KeySize bytes
	AccessTTL    time.Duration // access-token lifetime
	RefreshTTL   time.Duration // refresh-token lifetime
	MaxBodyBytes int64         // request body limit
	DataDir      string        // where the development mail sender writes
	UploadsDir   string        // the file store of uploads (blob.Disk); "" = DataDir/uploads (NewUploads)
	PublicURL    string        // base URL in links sent by e-mail
	Version      string        // reported by /health, the OpenAPI document and tenantry_build_info
	Revision     string        // the VCS revision, for tenantry_build_info ("" when unknown)
	SMTP         mail.SMTPSender
	RedisURL     string                     // shared rate-limit store; "" keeps budgets per instance
	RateLimits   map[string]ratelimit.Limit // limits by policy
	Jobs         jobs.Config                // the background job runner
	Stream       parking.StreamConfig       // the live occupancy stream's bounds (zero: defaults)
	CORSOrigins  []string                   // origins allowed to call the API from a browser (none: no CORS)
	Webhooks     endpoints.Config           // outbound webhook delivery (zero: defaults, public addresses only)
	// KeyUseInterval is how often the API keys' last-use times are written (0:
	// apikeys.DefaultUseInterval, a minute); tests shorten it.
	KeyUseInterval time.Duration
	// UploadMaxBytes is the largest session upload (0: flows.DefaultUploadMaxBytes).
	UploadMaxBytes int64
	PSA            flows.PSAConfig // PSA push (zero: defaults, public addresses only)
	AI             flows.AIConfig  // the AI sessions' provider (zero: the local one)
	// Hashing bounds the password hashes running at once and how long one waits for a slot (zero:
	// auth's defaults, a 40 MiB budget and a 2 s queue); tests take fewer slots.
	Hashing auth.HasherConfig
	// Tracer makes the spans of requests and jobs (telemetry.Tracing); nil or a no-op provider for
	// none. The database's spans come from the pool's own (postgres.Config.Tracer).
	Tracer trace.TracerProvider
}

// App is the assembled service.
type App struct {
	Server  *httpapi.Server
	Handler http.Handler
	// Metrics is the Prometheus handler, for the metrics listener (never on the API's).
	Metrics http.Handler
	// Background holds the workers that run until their context ends (the job runner, the session
	// and key caches' listener, the API keys' last-use writer, Redis closer).
	Background []func(context.Context)
	// Sessions is the session and key caches' and the live stream's listeners and the API keys'
	// last-use writer, Background workers too, for test servers that run them without the others.
	Sessions func(context.Context)
	Jobs     *jobs.Runner
	// Files is the file store of tenant data (session uploads; keys under blob.TenantPrefix), for
	// the work on a whole tenant's data (export, deletion).
	Files blob.Store
}

// mailSender is SMTP when configured, else the development file sender.
func mailSender(cfg Config, log *slog.Logger) mail.Sender {
	if cfg.SMTP.Addr != "" {
		return cfg.SMTP
	}
	return mail.FileSender{Dir: filepath.Join(cfg.DataDir, "mail"), From: cfg.SMTP.From, Log: log}
}

// NewUploads opens the file store of uploads: the directory uploadsDir (TENANTRY_UPLOADS_DIR), or
// dataDir/uploads when it is empty. The server, the tenant export and the staff purge use the same.
func NewUploads(dataDir, uploadsDir string) (*blob.Disk, error) {
	if uploadsDir == "" {
		uploadsDir = filepath.Join(dataDir, "uploads")
	}
	return blob.NewDisk(uploadsDir)
}

// New wires the platform and the products on db.
func New(cfg Config, db *postgres.DB, log *slog.Logger) (*App, error) {
	// Every record logged with a request's context carries its request id, operation and tenant.
	log = slog.New(httpapi.ContextHandler(log.Handler()))
	if cfg.Jobs.Tracer == nil {
		cfg.Jobs.Tracer = cfg.Tracer
	}
	tokens := &auth.Tokens{Keys: cfg.Keys, Issuer: TokenIssuer, Audience: TokenAudience, TTL: cfg.AccessTTL}
	hasher, err := auth.NewHasher(cfg.Hashing)
	if err != nil {
		return nil, err
	}
	limits, err := newRateLimits(cfg, db, log)
	if err != nil {
		return nil, err
	}
	ids, err := identity.New(db, log, identity.Config{Tokens: tokens, Hasher: hasher, RefreshTTL: cfg.RefreshTTL, PublicURL: cfg.PublicURL, CORSOrigins: cfg.CORSOrigins,
		SignInLimit: limits.service.SignIn, SecretKey: cfg.SecretKey})
	if err != nil {
		return nil, err
	}
	scopes, err := scopeCatalogue()
	if err != nil {
		return nil, err
	}
	apiKeys := apikeys.New(db, log, scopes)
	ids.ShareSessionChanges(apiKeys.Changes()) // key, member and tenant changes arrive on the sessions' listener
	apiKeys.AwaitChangesWith(ids.AwaitSessionChanges)
	keys, err := idempotency.New(db, log, cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	srv := httpapi.New(httpapi.Options{
		Logger: log, Authenticator: httpapi.Dispatch{Bearer: ids, APIKey: apiKeys, Staff: staff.New(db, log)}, Ping: db.Ping, Pools: db.Stats,
		MaxBodyBytes: cfg.MaxBodyBytes, Version: cfg.Version, Collectors: append(collectors(cfg, db, limits), hashingMetrics(hasher)...),
		Admission: []httpapi.Admission{limits.service.Middleware, ids.TwoFactorAdmission}, Failures: limits.service, Scopes: scopes,
		Idempotency: keys, Preconditions: keys, CORSOrigins: cfg.CORSOrigins, Tracer: cfg.Tracer,
		Denied: func(ctx context.Context, c httpapi.Caller, op string) {
			audit.RecordDenial(ctx, db, log, c.Tenant, c.Principal, c.Role, op)
		},
	})
	parkingSvc := parking.New(db, log).WithStream(cfg.Stream)
	if err := parkingSvc.UseSecretKey(cfg.SecretKey); err != nil {
		return nil, err
	}
	srv.OnDrain(parkingSvc.CloseStreams)
	ids.Routes(srv.API(), log, parkingSvc.TenantCreated)
	parkingSvc.Routes(srv.API(), log)
	aiProvider, err := flows.NewProvider(cfg.AI)
	if err != nil {
		return nil, err
	}
	files, err := NewUploads(cfg.DataDir, cfg.UploadsDir)
	if err != nil {
		return nil, err
	}
	flowsSvc := flows.New(db, log).WithAI(aiProvider).WithPublicURL(cfg.PublicURL)
	if err := flowsSvc.UseUploads(files, cfg.UploadMaxBytes, cfg.SecretKey); err != nil {
		return nil, err
	}
	if err := flowsSvc.UsePSA(cfg.SecretKey, cfg.PSA); err != nil {
		return nil, err
	}
	flowsSvc.Routes(srv.API(), log)
	apiKeys.Routes(srv.API(), log)
	audit.NewLog(db).Routes(srv.API(), log)
	tenantdata.New(db, files).Routes(srv.API(), log)
	hooks, err := endpoints.New(db, log, cfg.SecretKey, cfg.Webhooks)
	if err != nil {
		return nil, err
	}
	hooks.Routes(srv.API(), log)
	pages, err := console.New()
	if err != nil {
		return nil, err
	}
	srv.Mount("GET /", pages)
	h, err := srv.Handler()
	if err != nil {
		return nil, err
	}
	runner, err := newJobs(cfg, db, log, parkingSvc, flowsSvc, hooks)
	if err != nil {
		return nil, err
	}
	keyUses := func(ctx context.Context) { apiKeys.RecordUses(ctx, cfg.KeyUseInterval) }
	listeners := together(ids.WatchSessions, parkingSvc.WatchStream, keyUses)
	a := &App{Server: srv, Handler: h, Metrics: srv.Metrics(), Jobs: runner, Background: []func(context.Context){runner.Run, listeners},
		Sessions: listeners, Files: files}
	if limits.closer != nil {
		a.Background = append(a.Background, limits.closer)
	}
	return a, nil
}

// collectors are the figures /metrics adds to the HTTP layer's own: the rate limiter's, the event
// counters (ingest, webhooks), the build, the job queue and the outboxes (read at scrape time).
func collectors(cfg Config, db *postgres.DB, limits rateLimits) []prometheus.Collector {
	out := append(limits.metrics.Collectors(), telemetry.Counters()...)
	return append(out, telemetry.BuildInfo(cfg.Version, cfg.Revision), jobs.Metrics(db),
		telemetry.NewGauges("tenantry_outbox_messages", "Outbox messages not sent yet, by outbox and state (pending, dead), read at scrape time.",
			[]string{"outbox", "state"}, telemetry.Join(mail.OutboxDepth(db), parking.DownlinkOutboxDepth(db))))
}

// together runs workers side by side until ctx ends and all of them have returned.
func together(workers ...func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() { w(ctx) })
		}
		wg.Wait()
	}
}

// newJobs registers the background jobs of the platform and the products and builds their runner.
func newJobs(cfg Config, db *postgres.DB, log *slog.Logger, parkingSvc *parking.Service, flowsSvc *flows.Service,
	hooks *endpoints.Service) (*jobs.Runner, error) {
	reg := jobs.NewRegistry(log)
	mail.NewDelivery(db, mailSender(cfg, log), log).Jobs(reg)
	hooks.Jobs(reg)
	parkingSvc.Jobs(reg, parking.Schedule{})
	flowsSvc.PSAJobs(reg)
	flowsSvc.Jobs(reg, 0)
	flowsSvc.AIJobs(reg, flows.AISchedule{})
	return jobs.New(db, log, reg, cfg.Jobs)
}

// scopeCatalogue assembles the API-key scopes each package hands in, in documentation order (the
// OpenAPI document and docs/access.md list them so): the tenant's profile, each product's scopes,
// then the platform's administrative ones. A product adds its Scopes() here.
func scopeCatalogue() (tenancy.ScopeCatalogue, error) {
	return tenancy.NewScopeCatalogue(
		identity.ProfileScopes(),
		parking.Scopes(),
		identity.TeamScopes(), identity.MemberScopes(), audit.Scopes(), endpoints.Scopes(), apikeys.Scopes(),
	)
}

// MigrateUp applies pending migrations as the owner role.
func MigrateUp(ctx context.Context, ownerURL string, log *slog.Logger) error {
	m, err := postgres.NewMigrator(ctx, ownerURL, Migrations()...)
	if err != nil {
		return err
	}
	defer m.Close()
	steps, err := m.Up(ctx)
	for _, s := range steps {
		log.Info("migration applied", "version", s.Version, "name", s.Name, "duration", s.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
