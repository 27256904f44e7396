package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Registry collects the job kinds, workers and periodic jobs of the products and platform packages;
// New builds the Runner from it. Registering a kind twice panics (a wiring mistake).
type Registry struct {
	log      *slog.Logger
	workers  *river.Workers
	periodic []*river.PeriodicJob
}

// NewRegistry returns an empty registry; log receives the refusals of tenant jobs.
func NewRegistry(log *slog.Logger) *Registry {
	return &Registry{log: log, workers: river.NewWorkers()}
}

// Add registers work as the worker of the job kind A, which works on no single tenant: a periodic
// sweep that lists work across tenants through registered cross-tenant queries and inserts one
// tenant job per item (InsertMany). ctx carries no tenant scope.
func Add[A river.JobArgs](r *Registry, work func(ctx context.Context, args A) error) {
	river.AddWorker(r.workers, river.WorkFunc(func(ctx context.Context, job *river.Job[A]) error {
		return work(ctx, job.Args)
	}))
}

// AddTenant registers work as the worker of the tenant job kind A. Before each run the job's
// tenant scope is re-established from its arguments after they are checked against the tenant in
// the job's row: work finds the scope in ctx (tenancy.FromContext), as a system principal. A job
// whose arguments and row disagree is cancelled and logged without calling work. An error from
// work is retried with River's backoff until the kind's attempts are used up (see AttemptLimit and
// LastAttempt).
func AddTenant[A TenantJob](r *Registry, work func(ctx context.Context, args A) error) {
	river.AddWorker(r.workers, &tenantWorker[A]{work: work, log: r.log})
}

// Every schedules a job with args every interval, and once when the runner starts.
func (r *Registry) Every(interval time.Duration, args river.JobArgs) {
	r.periodic = append(r.periodic, river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// tenantWorker runs one tenant job kind in its tenant's scope.
type tenantWorker[A TenantJob] struct {
	river.WorkerDefaults[A]
	work func(context.Context, A) error
	log  *slog.Logger
}

// Work re-establishes the job's tenant scope and runs the registered function in it.
func (w *tenantWorker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	sctx, err := tenantScope(ctx, job.Args.tenantArgs(), job.Metadata)
	if err != nil {
		w.log.ErrorContext(ctx, "jobs: refused", "kind", job.Kind, "job", job.ID, "err", err)
		return err
	}
	sctx = context.WithValue(sctx, attemptKey{}, job.Attempt)
	return w.work(context.WithValue(sctx, lastAttemptKey{}, job.Attempt >= job.MaxAttempts), job.Args)
}

// RetryBackoff is implemented by the arguments of a tenant job kind with its own retry schedule
// (webhook deliveries back off exponentially): how long to wait after failed attempt n (1-based).
// Other kinds keep River's default.
type RetryBackoff interface {
	RetryAfter(attempt int) time.Duration
}

// NextRetry schedules the next attempt of a job whose arguments implement RetryBackoff; the zero
// time leaves the job to River's default policy.
func (w *tenantWorker[A]) NextRetry(job *river.Job[A]) time.Time {
	if b, ok := any(job.Args).(RetryBackoff); ok {
		return time.Now().Add(b.RetryAfter(job.Attempt))
	}
	return time.Time{}
}

type lastAttemptKey struct{}

type attemptKey struct{}

// Attempt returns the number of the attempt of the tenant job running in ctx: 1 for the first,
// 0 outside a job.
func Attempt(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}

// LastAttempt reports whether the tenant job running in ctx is on its last attempt: if it fails
// now, River gives it up (state discarded). A worker that keeps its own record of failures (the
// mail outbox) marks the item dead then.
func LastAttempt(ctx context.Context) bool {
	last, _ := ctx.Value(lastAttemptKey{}).(bool)
	return last
}
