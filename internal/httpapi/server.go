package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Options are the server's dependencies and limits.
type Options struct {
	Logger        *slog.Logger
	Authenticator Authenticator
	Ping          func(context.Context) error // readiness: the database answers
	Pools         func() []postgres.PoolStats // metrics: pool statistics
	MaxBodyBytes  int64                       // request body limit; default 1 MiB
	Version       string
	Denied        DeniedFunc             // records authorization denials; nil for none
	Failures      FailureLimit           // bounds refused credentials per client address; nil for no bound
	Admission     []Admission            // checks run in order right after authentication (the rate limiter's)
	Collectors    []prometheus.Collector // more figures for /metrics (e.g. the rate limiter's)
	Scopes        tenancy.ScopeCatalogue // the API-key scopes operations may name (checked by Handler)
	Idempotency   Idempotency            // keeps the responses of creates by Idempotency-Key; nil ignores the header
	CORSOrigins   []string               // origins whose browser pages may call the API (CORS); none by default
	Preconditions Preconditions          // runs updates with If-Match (check and write in one transaction); nil ignores the header
	Tracer        trace.TracerProvider   // a span per request (observe); nil or a no-op provider for none
}

// Server is the HTTP side of Tenantry: the Huma API, health and docs on one mux, and the metrics
// handler for a listener of their own.
type Server struct {
	api      huma.API
	mux      *http.ServeMux
	log      *slog.Logger
	metrics  *metrics
	handler  http.Handler
	draining atomic.Bool
	onDrain  []func() // run by Drain (long-lived responses end: the live streams)
	ping     func(context.Context) error
	scopes   tenancy.ScopeCatalogue
	secret   map[string]bool // operations whose responses carry a secret (no-store); set by Handler
	finish   sync.Once       // completes the OpenAPI document (finishDocument), in the first Handler call
	maxBody  int64           // the request body limit (Options.MaxBodyBytes)
	// largeBodies are the limits of the operations whose Huma MaxBodyBytes exceeds maxBody (an
	// upload's), by their mux pattern ("POST /api/v1/sessions/{id}/uploads"); set by Handler.
	largeBodies map[string]int64
}

// New builds the server with the platform's own endpoints; products add theirs with Register on API().
func New(o Options) *Server {
	useProblems()
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	s := &Server{mux: http.NewServeMux(), log: o.Logger, ping: o.Ping, metrics: newMetrics(o.Pools), scopes: o.Scopes,
		maxBody: o.MaxBodyBytes}
	cfg := huma.DefaultConfig("Tenantry API", o.Version)
	cfg.Info.Description = "Multi-tenant parking operations and troubleshooting flows. Every operation declares its access " +
		"in the `" + AccessExtension + "` extension: class, minimum role and API-key scope. Errors are application/problem+json."
	cfg.CreateHooks = nil // no $schema links in bodies: responses stay byte-identical across hosts
	cfg.DocsPath = ""     // served below from embedded assets, so the page works without internet access
	cfg.Info.License = &huma.License{Name: "Apache-2.0", Identifier: "Apache-2.0"}
	cfg.Info.Contact = &huma.Contact{Name: "Tenantry", URL: "https://github.com/tenantry/tenantry"}
	cfg.Servers = []*huma.Server{{
		URL: "{scheme}://{host}", Description: "A Tenantry server; `make dev` starts one on 127.0.0.1:8080",
		Variables: map[string]*huma.ServerVariable{
			"scheme": {Default: "http", Enum: []string{"http", "https"}, Description: "https behind a TLS-terminating proxy"},
			"host":   {Default: "127.0.0.1:8080", Description: "The host and port the server listens on (TENANTRY_ADDR)"},
		},
	}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT", Description: "Access token from /api/v1/auth/login."},
		"apiKey": {Type: "apiKey", In: "header", Name: "X-API-Key", Description: "A tenant API key; its scopes limit what it may do."},
	}
	s.api = humago.New(s.mux, cfg)
	s.api.UseMiddleware(noStore(&s.secret))
	s.api.UseMiddleware(authorize(s.api, o.Logger, o.Authenticator, o.Failures, o.Denied))
	for _, a := range o.Admission {
		s.api.UseMiddleware(admission(s.api, o.Logger, a))
	}
	s.api.UseMiddleware(creates(s.api, o.Logger, o.Idempotency))
	s.api.UseMiddleware(etags)
	s.api.UseMiddleware(s.ifMatch(o.Preconditions))
	s.metrics.register(o.Collectors...)
	DescribeTag(s.api, "Health", "Liveness and readiness, for load balancers and orchestrators; public.")
	s.registerHealth()
	s.mux.Handle("GET /docs", docsHandler())
	s.mux.Handle("GET /docs/", docsHandler())
	var tracer trace.Tracer
	if _, off := o.Tracer.(noop.TracerProvider); o.Tracer != nil && !off {
		tracer = o.Tracer.Tracer("github.com/tenantry/tenantry/internal/httpapi")
	}
	s.handler = observe(o.Logger, s.metrics, tracer, s.bodyLimit, cors(o.CORSOrigins, s.mux))
	return s
}

// Metrics returns the Prometheus handler of the server's figures (and Options.Collectors). It is
// not on the API's mux: the binary serves it on its own listener (TENANTRY_METRICS_ADDR), so
// /metrics is never public.
func (s *Server) Metrics() http.Handler { return s.metrics.handler() }

// Mount serves h for the mux pattern, outside the API's operations and their access checks: the
// console's static pages, which carry no data and call the API like any client.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// API returns the Huma API to register operations on.
func (s *Server) API() huma.API { return s.api }

// Logger returns the server's logger, for handlers registered with Register.
func (s *Server) Logger() *slog.Logger { return s.log }

// Handler returns the root handler. It fails if any registered operation lacks an access
// declaration or names an API-key scope that is not in Options.Scopes.
func (s *Server) Handler() (http.Handler, error) {
	if err := CheckDeclared(s.api); err != nil {
		return nil, err
	}
	if err := CheckScopes(s.api, s.scopes); err != nil {
		return nil, err
	}
	s.finish.Do(func() {
		finishDocument(s.api.OpenAPI(), s.scopes)
		s.largeBodies = largeBodies(s.api.OpenAPI(), s.maxBody)
	})
	s.secret = secretOperations(s.api.OpenAPI())
	h := s.handler
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	}), nil
}

// Drain marks the server as shutting down: readiness answers 503 from now on, and every response
// closes its connection, so clients leave no kept-alive connection for the shutdown to cut.
// (http.Server.SetKeepAlivesEnabled(false) would close idle connections at once, under a
// client's next request.)
func (s *Server) Drain() {
	s.draining.Store(true)
	for _, f := range s.onDrain {
		f()
	}
}

// OnDrain registers f to run when the server starts draining, before the shutdown waits for the
// requests in flight: a long-lived response (a server-sent event stream) ends there, cleanly,
// rather than hold the shutdown until its timeout. Call it before serving.
func (s *Server) OnDrain(f func()) { s.onDrain = append(s.onDrain, f) }

// HealthStatus is the body of the health endpoints.
type HealthStatus struct {
	Body struct {
		Status string `json:"status" enum:"ok,unavailable" doc:"ok, or unavailable while the database is unreachable or the server drains"`
	}
}

func (s *Server) registerHealth() {
	Register(s.api, s.log, huma.Operation{
		OperationID: "health-live", Method: http.MethodGet, Path: "/health/live", Tags: []string{"Health"},
		Summary: "Liveness: the process is up",
	}, Access{Class: Public}, func(ctx context.Context, _ *struct{}) (*HealthStatus, error) {
		out := &HealthStatus{}
		out.Body.Status = "ok"
		return out, nil
	})
	Register(s.api, s.log, huma.Operation{
		OperationID: "health-ready", Method: http.MethodGet, Path: "/health/ready", Tags: []string{"Health"},
		Summary: "Readiness: the database answers and the server is not draining", Errors: []int{http.StatusServiceUnavailable},
	}, Access{Class: Public}, func(ctx context.Context, _ *struct{}) (*HealthStatus, error) {
		if s.draining.Load() {
			return nil, newProblem(kindOfStatus(503), http.StatusServiceUnavailable, "draining")
		}
		if s.ping != nil {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			if err := s.ping(pctx); err != nil {
				s.log.WarnContext(ctx, "readiness: database unreachable", "err", err)
				return nil, newProblem(kindOfStatus(503), http.StatusServiceUnavailable, "database unavailable")
			}
		}
		out := &HealthStatus{}
		out.Body.Status = "ok"
		return out, nil
	})
}

// largeBodyKey holds, in an operation's metadata, the body limit it declared with LargeBody.
const largeBodyKey = "tenantry.large-body"

// LargeBody returns op taking bodies of up to n bytes, more than the server's limit
// (Options.MaxBodyBytes) lets other operations take: an upload streamed by its handler.
func LargeBody(op huma.Operation, n int64) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[largeBodyKey] = n
	op.MaxBodyBytes = n
	return op
}

// largeBodies returns the operations of doc that declared a body limit above the server's
// (LargeBody), by mux pattern.
func largeBodies(doc *huma.OpenAPI, limit int64) map[string]int64 {
	out := map[string]int64{}
	for path, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Post, item.Put, item.Patch} {
			if op == nil {
				continue
			}
			if n, ok := op.Metadata[largeBodyKey].(int64); ok && n > limit {
				out[op.Method+" "+path] = n
			}
		}
	}
	return out
}

// bodyLimit is the body limit of r: its operation's own when that is larger than the server's
// (found by the mux's pattern, for the methods that carry a body), else the server's.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if len(s.largeBodies) == 0 || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return s.maxBody
	}
	if _, pattern := s.mux.Handler(r); pattern != "" {
		if n, ok := s.largeBodies[pattern]; ok {
			return n
		}
	}
	return s.maxBody
}
