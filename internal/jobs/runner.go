package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantry/tenantry/internal/postgres"
)

// Config tunes the job runner; zero values take the defaults. How often a product's periodic jobs
// run is the product's own setting, given when it registers them.
type Config struct {
	Workers          int           // concurrent jobs; default 4
	ShutdownTimeout  time.Duration // how long running jobs may take to finish on shutdown; default 10 s
	DisableSchedules bool          // no periodic jobs (tests insert jobs themselves)
	// Tracer, when it records, makes a span per job run (tracing.go); nil for none.
	Tracer trace.TracerProvider
}

// Runner is the River client with the registered workers and periodic jobs.
type Runner struct {
	client  *river.Client[pgx.Tx]
	log     *slog.Logger
	timeout time.Duration
}

// New builds the runner of the jobs registered on reg, on the application role's pool. It does not
// start it (see Run).
func New(db *postgres.DB, log *slog.Logger, reg *Registry, c Config) (*Runner, error) {
	c = c.withDefaults()
	cfg := &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.Workers}},
		Workers: reg.workers,
		Logger:  log.With("component", "jobs"),
	}
	if mw := tracingMiddleware(c.Tracer); mw != nil {
		cfg.Middleware = []rivertype.Middleware{mw}
	}
	if !c.DisableSchedules {
		cfg.PeriodicJobs = reg.periodic
	}
	client, err := river.NewClient(postgres.WithAppPool(db, riverpgxv5.New), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: new runner: %w", err)
	}
	return &Runner{client: client, log: log, timeout: c.ShutdownTimeout}, nil
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	return c
}

// Run works jobs until ctx ends, then stops gracefully: running jobs get the shutdown timeout.
func (r *Runner) Run(ctx context.Context) {
	if err := r.client.Start(context.WithoutCancel(ctx)); err != nil {
		r.log.Error("jobs: start", "err", err)
		return
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	defer cancel()
	if err := r.client.Stop(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		r.log.Error("jobs: stop", "err", err)
	}
}

// Client returns the River client, for inserting jobs.
func (r *Runner) Client() *river.Client[pgx.Tx] { return r.client }

// Insert inserts a tenant job with its tenant recorded in the row, in a transaction of its own
// (tests and tools; a change that causes a job inserts it with InsertTx).
func (r *Runner) Insert(ctx context.Context, args TenantJob) error {
	if _, err := r.client.Insert(ctx, args, insertOpts(args)); err != nil {
		return fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return nil
}

// txInserter is the client InsertTx inserts with: River's insert-only client, which has no pool
// and no workers and only writes job rows through the transaction it is given. It holds no
// configuration of ours, so one serves every caller.
var txInserter = sync.OnceValues(func() (*river.Client[pgx.Tx], error) {
	return river.NewClient(riverpgxv5.New(nil), &river.Config{Logger: slog.New(slog.DiscardHandler)})
})
