package jobs

import (
	"context"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// ReservationSweepArgs starts the periodic sweep for ended and no-show reservations.
type ReservationSweepArgs struct{}

// Kind names the job.
func (ReservationSweepArgs) Kind() string { return "parking.reservation_sweep" }

// ExpireArgs expires one reservation of one tenant.
type ExpireArgs struct {
	TenantArgs
	ReservationID uuid.UUID `json:"reservation_id"`
}

// Kind names the job.
func (ExpireArgs) Kind() string { return "parking.reservation_expire" }

// NoShowArgs releases one unattended reservation of one tenant.
type NoShowArgs struct {
	TenantArgs
	ReservationID uuid.UUID `json:"reservation_id"`
}

// Kind names the job.
func (NoShowArgs) Kind() string { return "parking.reservation_no_show" }

// RetentionSweepArgs starts the periodic retention sweep.
type RetentionSweepArgs struct{}

// Kind names the job.
func (RetentionSweepArgs) Kind() string { return "parking.retention_sweep" }

// RetentionArgs applies one tenant's retention settings.
type RetentionArgs struct {
	TenantArgs
}

// Kind names the job.
func (RetentionArgs) Kind() string { return "parking.retention" }

func addParkingWorkers(w *river.Workers, svc *parking.Service, log *slog.Logger) {
	river.AddWorker(w, &reservationSweep{svc: svc})
	river.AddWorker(w, &expireWorker{svc: svc, log: log})
	river.AddWorker(w, &noShowWorker{svc: svc, log: log})
	river.AddWorker(w, &retentionSweep{svc: svc})
	river.AddWorker(w, &retentionWorker{svc: svc, log: log})
}

func parkingSchedules(c Config) []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(c.SweepInterval), func() (river.JobArgs, *river.InsertOpts) {
			return ReservationSweepArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(c.RetentionEvery), func() (river.JobArgs, *river.InsertOpts) {
			return RetentionSweepArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}

// reservationSweep lists due reservations across tenants (registered cross-tenant queries) and
// inserts one job per item, carrying its tenant.
type reservationSweep struct {
	river.WorkerDefaults[ReservationSweepArgs]
	svc *parking.Service
}

// Work lists due reservations and inserts one job per item.
func (w *reservationSweep) Work(ctx context.Context, _ *river.Job[ReservationSweepArgs]) error {
	expire, err := w.svc.ReservationsToExpire(ctx)
	if err != nil {
		return err
	}
	noShow, err := w.svc.ReservationsNoShow(ctx)
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	for _, d := range expire {
		params = append(params, river.InsertManyParams{Args: ExpireArgs{TenantArgs{d.Tenant.String()}, d.ID}, InsertOpts: insertOpts(d.Tenant)})
	}
	for _, d := range noShow {
		params = append(params, river.InsertManyParams{Args: NoShowArgs{TenantArgs{d.Tenant.String()}, d.ID}, InsertOpts: insertOpts(d.Tenant)})
	}
	return insertMany(ctx, params)
}

func insertMany(ctx context.Context, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	_, err := river.ClientFromContext[pgx.Tx](ctx).InsertMany(ctx, params)
	return err
}

type expireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	svc *parking.Service
	log *slog.Logger
}

// Work expires the reservation in its tenant's scope.
func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireArgs]) error {
	ctx, err := tenantScope(ctx, job.Args.TenantArgs, job.Metadata)
	if err != nil {
		w.log.Error("jobs: refused", "kind", job.Kind, "job", job.ID, "err", err)
		return err
	}
	_, err = w.svc.ExpireReservation(ctx, job.Args.ReservationID)
	return err
}

type noShowWorker struct {
	river.WorkerDefaults[NoShowArgs]
	svc *parking.Service
	log *slog.Logger
}

// Work releases the reservation in its tenant's scope.
func (w *noShowWorker) Work(ctx context.Context, job *river.Job[NoShowArgs]) error {
	ctx, err := tenantScope(ctx, job.Args.TenantArgs, job.Metadata)
	if err != nil {
		w.log.Error("jobs: refused", "kind", job.Kind, "job", job.ID, "err", err)
		return err
	}
	_, err = w.svc.MarkNoShow(ctx, job.Args.ReservationID)
	return err
}

// retentionSweep inserts one retention job per tenant.
type retentionSweep struct {
	river.WorkerDefaults[RetentionSweepArgs]
	svc *parking.Service
}

// Work inserts one retention job per tenant.
func (w *retentionSweep) Work(ctx context.Context, _ *river.Job[RetentionSweepArgs]) error {
	tenants, err := w.svc.Tenants(ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(tenants))
	for _, t := range tenants {
		params = append(params, river.InsertManyParams{Args: RetentionArgs{TenantArgs{t.String()}}, InsertOpts: insertOpts(t)})
	}
	return insertMany(ctx, params)
}

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	svc *parking.Service
	log *slog.Logger
}

// Work applies the tenant's retention settings in its scope.
func (w *retentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	ctx, err := tenantScope(ctx, job.Args.TenantArgs, job.Metadata)
	if err != nil {
		w.log.Error("jobs: refused", "kind", job.Kind, "job", job.ID, "err", err)
		return err
	}
	_, err = w.svc.ApplyRetention(ctx)
	return err
}

// InsertForTenant inserts a job for tenant with its tenant recorded in the row (tests and tools).
func (r *Runner) InsertForTenant(ctx context.Context, tenant tenancy.TenantID, args river.JobArgs) error {
	_, err := r.client.Insert(ctx, args, insertOpts(tenant))
	return err
}
