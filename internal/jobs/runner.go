package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking"
)

// Config tunes the job runner; zero values take the defaults.
type Config struct {
	Workers          int           // concurrent jobs; default 4
	SweepInterval    time.Duration // reservation expiry and no-show sweep; default 1 minute
	RetentionEvery   time.Duration // retention sweep; default 1 hour
	ShutdownTimeout  time.Duration // how long running jobs may take to finish on shutdown; default 10 s
	DisableSchedules bool          // no periodic sweeps (tests insert jobs themselves)
}

// Runner is the River client with Tenantry's workers and periodic sweeps.
type Runner struct {
	client  *river.Client[pgx.Tx]
	log     *slog.Logger
	timeout time.Duration
}

// New builds the runner on the application role's pool. It does not start it (see Run).
func New(db *postgres.DB, log *slog.Logger, svc *parking.Service, c Config) (*Runner, error) {
	c = c.withDefaults()
	workers := river.NewWorkers()
	addParkingWorkers(workers, svc, log)
	cfg := &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.Workers}},
		Workers: workers,
		Logger:  log.With("component", "jobs"),
	}
	if !c.DisableSchedules {
		cfg.PeriodicJobs = parkingSchedules(c)
	}
	client, err := river.NewClient(postgres.WithAppPool(db, riverpgxv5.New), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Runner{client: client, log: log, timeout: c.ShutdownTimeout}, nil
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = time.Minute
	}
	if c.RetentionEvery <= 0 {
		c.RetentionEvery = time.Hour
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
