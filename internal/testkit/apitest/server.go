package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/platform/webhooks/endpoints"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// Server is the assembled service on a real database, over real HTTP, for one test.
type Server struct {
	T   testing.TB
	URL string // the base URL of the HTTP server
	// MetricsURL is the base URL of the metrics listener (as the binary's TENANTRY_METRICS_ADDR):
	// GET MetricsURL+"/metrics".
	MetricsURL string
	Env        testenv.DB   // the test's database and its role URLs
	DB         *postgres.DB // the service's database handle
	Config     app.Config   // what the service was assembled with
	App        *app.App
	Logs       *LogBuffer // the service's log (JSON lines, debug level), unless Options.Quiet

	audited *mutations   // successful state-changing requests, checked for audit rows at cleanup
	client  *http.Client // nil: http.DefaultClient (From sets one)
	smtp    *SMTP        // the Mailer's server, once started (MailToken reads it)
}

// mutation is one successful state-changing request.
type mutation struct{ requestID, method, path string }

// mutations are the successful state-changing requests sent to one server, by any of its views.
type mutations struct {
	mu   sync.Mutex
	list []mutation
}

func (m *mutations) add(x mutation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, x)
}

// Run runs f as a parallel subtest of t on this server, as the subtest sees it (For).
func (s *Server) Run(t *testing.T, name string, f func(t *testing.T, s *Server)) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		f(t, s.For(t))
	})
}

// For returns the server as a subtest t sees it: the same service, database, log and audit
// check, with the helpers failing t instead of the test that started the server. Subtests that
// share one server this way (each with tenants of its own, in parallel) save a server per test;
// the audit check runs when the test that started the server ends, after its subtests.
func (s *Server) For(t testing.TB) *Server {
	view := *s
	view.T = t
	return &view
}

// Options change how StartWith assembles the service. The zero value is what Start uses.
type Options struct {
	// MaxConns is the size of each database pool; 0 means 4.
	MaxConns int32
	// Unlimited lifts every rate limit out of reach, for tests that send far more requests than a
	// person would (the probe, the pool leak check).
	Unlimited bool
	// Quiet discards the service's log instead of keeping it in Logs.
	Quiet bool
	// Background runs the service's background workers (mail dispatcher, jobs) from the start
	// and stops them, waiting for them to return, when the test ends. Without it only the session
	// cache's listener runs (App.Sessions).
	Background bool
	// Configure has the last word on the configuration, after Unlimited.
	Configure func(*app.Config)
}

// Config returns the configuration the binary runs with when its environment sets nothing
// (cmd/tenantry's defaults), with a fresh signing key, a fresh secret key (as `dev` makes one) and, for the development mail sender, a
// private data directory.
func Config(t testing.TB) app.Config {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keys, err := auth.NewKeys("ktest", map[string][]byte{"ktest": key})
	if err != nil {
		t.Fatalf("apitest: keys: %v", err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return app.Config{
		Keys: keys, SecretKey: secret, AccessTTL: 10 * time.Minute, RefreshTTL: 720 * time.Hour, MaxBodyBytes: 1 << 20,
		DataDir: t.TempDir(), PublicURL: "http://127.0.0.1:8080", Version: "dev",
		SMTP: mail.SMTPSender{From: "tenantry@localhost", TLS: mail.TLSOpportunistic, ConnectTimeout: mail.DefaultConnectTimeout, SendTimeout: mail.DefaultSendTimeout}, RateLimits: ratelimit.Defaults(),
		Stream:         parking.StreamConfig{MaxPerTenant: parking.DefaultStreamMaxPerTenant, Heartbeat: parking.DefaultStreamHeartbeat},
		Webhooks:       endpoints.Config{Timeout: endpoints.DefaultTimeout, DisableAfter: endpoints.DefaultDisableAfter},
		UploadMaxBytes: flows.DefaultUploadMaxBytes,
		AI:             flows.AIConfig{Provider: flows.ProviderLocal, Model: flows.DefaultAIModel, Timeout: flows.DefaultAITimeout},
	}
}

// Start assembles the service with the default configuration on a fresh database and serves it
// over HTTP until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	return Instances(t, 1, o)[0]
}

// Instances starts n instances of the service on one fresh database, with one configuration:
// they share the signing key, so a token from one is good on all.
func Instances(t testing.TB, n int, o Options) []*Server {
	t.Helper()
	env := testenv.NewDB(t)
	cfg := configure(t, o)
	out := make([]*Server, 0, n)
	for range n {
		out = append(out, start(t, env, cfg, o))
	}
	return out
}

// configure is the configuration o asks for.
func configure(t testing.TB, o Options) app.Config {
	cfg := Config(t)
	if o.Unlimited {
		cfg.RateLimits = map[string]ratelimit.Limit{}
		for _, p := range ratelimit.Policies {
			cfg.RateLimits[p] = ratelimit.Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
		}
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	return cfg
}

// start assembles one instance on env and serves it.
func start(t testing.TB, env testenv.DB, cfg app.Config, o Options) *Server {
	t.Helper()
	if o.MaxConns == 0 {
		o.MaxConns = 4
	}
	s := &Server{T: t, Env: env, Config: cfg, DB: env.Open(t, o.MaxConns), Logs: &LogBuffer{}, audited: &mutations{}}
	log := slog.New(slog.NewJSONHandler(s.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.Quiet {
		log = slog.New(slog.DiscardHandler)
	}
	// Like the binary, which derives the public URL from the address it listens on, links in mail
	// and share answers name this server's own address (unless the test configured another).
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	if cfg.PublicURL == Config(t).PublicURL {
		cfg.PublicURL = "http://" + srv.Listener.Addr().String()
		s.Config = cfg
	}
	var err error
	if s.App, err = app.New(cfg, s.DB, log); err != nil {
		t.Fatalf("apitest: assemble: %v", err)
	}
	if o.Background {
		s.runBackground(s.App.Background...)
	} else { // the session cache listens as in the running service
		s.runBackground(s.App.Sessions)
	}
	srv.Config.Handler = s.App.Handler
	srv.Start()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.App.Metrics)
	msrv := httptest.NewServer(mux)
	t.Cleanup(msrv.Close)
	s.MetricsURL = msrv.URL
	t.Cleanup(s.checkAudited)
	s.URL = srv.URL
	return s
}

// runBackground starts background workers of the service; they stop when the test ends, before
// the database pools close (clean-ups run last registered, first run).
func (s *Server) runBackground(works ...func(context.Context)) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(s.T.Context()))
	var workers sync.WaitGroup
	for _, work := range works {
		workers.Go(func() { work(ctx) })
	}
	s.T.Cleanup(func() {
		cancel()
		workers.Wait()
	})
}

// checkAudited runs when the test ends: every successful state-changing request the test sent
// through Do must have written an audit row with its request id, in a tenant's audit log or the
// security log.
func (s *Server) checkAudited() {
	s.audited.mu.Lock()
	defer s.audited.mu.Unlock()
	for _, m := range s.audited.list {
		n := s.Count(`SELECT (SELECT count(*) FROM audit_events WHERE request_id = $1)
			+ (SELECT count(*) FROM security_events WHERE request_id = $1)`, m.requestID)
		if n == 0 {
			s.T.Errorf("%s %s (request %s) succeeded without an audit row", m.method, m.path, m.requestID)
		}
	}
}

// LogBuffer collects the service's log lines for assertions; it is safe for concurrent use.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitFor polls cond every 50 ms until it holds, and fails the test if it does not within 20 s.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
