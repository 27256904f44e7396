package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/telemetry"
)

// newLogger is the binary's logger: JSON lines, durations in milliseconds (an attribute
// "elapsed" holding a time.Duration is written as "elapsed_ms": 66.9, never as bare nanoseconds).
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: durationsInMS}))
}

func durationsInMS(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key+"_ms", float64(a.Value.Duration().Microseconds())/1000)
	}
	return a
}

func cmdServe(ctx context.Context, env *environment, args []string) error {
	fs := flagSet(env, "serve [--migrate]", "Runs the API server against an existing database (see DATABASE_URL).", serverEnv())
	migrate := fs.Bool("migrate", false, "apply pending migrations first, as DATABASE_OWNER_URL")
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	cfg, err := loadConfig(env.getenv)
	if err != nil {
		return errUsage{err.Error()}
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	if *migrate {
		if cfg.OwnerURL == "" {
			return errUsage{"--migrate needs DATABASE_OWNER_URL"}
		}
		if err := app.MigrateUp(ctx, cfg.OwnerURL, log); err != nil {
			return err
		}
	}
	return serve(ctx, cfg, log, env.stdout)
}

// serve runs the API until ctx ends, then shuts down gracefully: readiness turns 503, the
// listener closes after the drain delay, and in-flight requests get the shutdown timeout to finish.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return errUsage{err.Error()}
	}
	// Tracing (off unless an OTLP endpoint is set) is shut down last, flushing the spans of the
	// requests and jobs that ended on the way down.
	tp, stopTracing, err := telemetry.Tracing(ctx, telemetry.TracingConfig{Endpoint: cfg.OTLPEndpoint, ServiceName: cfg.OTLPServiceName, Version: buildVersion()})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := stopTracing(sctx); err != nil {
			log.Warn("tracing: flushing spans", "err", err)
		}
	}()
	cfg.Tracer = tp
	db, err := postgres.Open(ctx, postgres.Config{AppURL: cfg.DatabaseURL, SystemURL: cfg.SystemURL, MaxConns: cfg.DBMaxConns, Tracer: tp})
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	if cfg.PublicURL == "" { // links in e-mail point at the address actually listened on
		cfg.PublicURL = publicURLOf(ln.Addr().String())
	}
	a, err := newApp(cfg, db, log)
	if err != nil {
		return err
	}
	mctx, stopMetrics := context.WithCancel(context.WithoutCancel(ctx))
	maddr, metricsDone, err := serveMetrics(mctx, cfg.MetricsAddr, a.Metrics, log)
	if err != nil {
		stopMetrics()
		return err
	}
	defer func() { stopMetrics(); metricsDone() }()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "Tenantry %s listening on %s\n  API docs: %s/docs\n  OpenAPI:  %s/openapi.json\n  health:   %s/health/ready\n", buildVersion(), base, base, base, base)
	if maddr != "" {
		fmt.Fprintf(stdout, "  metrics:  http://%s/metrics\n", maddr)
	}
	srv := &http.Server{
		Handler: a.Handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Background workers (the job runner) stop after the HTTP server and before the pool closes (the
	// deferred db.Close runs after this deferred wait).
	bg, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	defer func() { stopBackground(); workers.Wait() }()
	for _, work := range a.Background {
		workers.Go(func() { work(bg) })
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Draining: readiness answers 503 so the load balancer stops sending, and every response closes
	// its connection (Server.Drain), so no client is left holding a kept-alive connection that
	// Shutdown would cut under its next request.
	log.Info("shutting down: draining", "drain_delay", cfg.DrainDelay)
	a.Server.Drain()
	time.Sleep(cfg.DrainDelay)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
