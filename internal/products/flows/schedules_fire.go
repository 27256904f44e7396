package flows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// schedulesDue lists due maintenance schedules across tenants for the firing sweep. It reads only
// ids and times, no content; each schedule then fires in its own tenant's transaction
// (FireSchedule). The migration grants the system role exactly these columns.
var schedulesDue = postgres.Register(postgres.CrossTenant{
	Name: "flows.schedules_due",
	Why:  "the schedule firing sweep finds due maintenance schedules of every tenant; each fires in its own tenant's transaction",
	SQL: `SELECT tenant_id, id, next_run_at FROM flow_maintenance_schedules
WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at LIMIT 1000`,
	Reads: map[string][]string{"flow_maintenance_schedules": {"tenant_id", "id", "enabled", "next_run_at"}},
})

// missedAfter is how late a slot may fire and still count as on time: a slot older than this when
// the job reaches it was missed (the service was down) and follows the schedule's catch-up policy.
const missedAfter = 10 * time.Minute

// ScheduleSweepArgs starts the periodic sweep for due maintenance schedules.
type ScheduleSweepArgs struct{}

// Kind names the job.
func (ScheduleSweepArgs) Kind() string { return "flows.schedule_sweep" }

// FireScheduleArgs fires one due schedule of one tenant. Slot is the schedule's due slot (Unix
// microseconds) as the sweep saw it: tenant jobs are unique by their arguments for a day, so the
// slot makes one job per schedule and slot, however many instances sweep.
type FireScheduleArgs struct {
	jobs.TenantArgs
	ScheduleID uuid.UUID `json:"schedule_id"`
	Slot       int64     `json:"slot"`
}

// Kind names the job.
func (FireScheduleArgs) Kind() string { return "flows.schedule_fire" }

// Jobs registers the flows product's job kinds on r: the schedule sweep every interval (default one
// minute) and the per-schedule firing, which runs in the schedule's tenant's scope.
func (s *Service) Jobs(r *jobs.Registry, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	jobs.Add(r, s.sweepSchedules)
	jobs.AddTenant(r, func(ctx context.Context, a FireScheduleArgs) error {
		_, err := s.FireSchedule(ctx, a.ScheduleID)
		return err
	})
	r.Every(every, ScheduleSweepArgs{})
}

// sweepSchedules inserts one firing job per due schedule, across tenants.
func (s *Service) sweepSchedules(ctx context.Context, _ ScheduleSweepArgs) error {
	due, err := s.DueSchedules(ctx)
	if err != nil {
		return err
	}
	todo := make([]jobs.TenantJob, 0, len(due))
	for _, d := range due {
		todo = append(todo, FireScheduleArgs{jobs.For(d.Tenant), d.ID, d.Slot.UnixMicro()})
	}
	return jobs.InsertMany(ctx, todo)
}

// DueSchedule is a schedule the sweep found due, with its tenant and slot.
type DueSchedule struct {
	Tenant tenancy.TenantID
	ID     uuid.UUID
	Slot   time.Time
}

// DueSchedules lists, across tenants, the enabled schedules whose next slot has come (at most
// 1000, the oldest first), through the registered query flows.schedules_due.
func (s *Service) DueSchedules(ctx context.Context) ([]DueSchedule, error) {
	rows, err := s.db.CrossTenantQuery(ctx, schedulesDue, s.now().UTC())
	if err != nil {
		return nil, fmt.Errorf("flows: schedules due: %w", err)
	}
	defer rows.Close()
	var out []DueSchedule
	for rows.Next() {
		var tenant, id uuid.UUID
		var slot time.Time
		if err := rows.Scan(&tenant, &id, &slot); err != nil {
			return nil, fmt.Errorf("flows: schedules due: %w", err)
		}
		out = append(out, DueSchedule{Tenant: tenancy.TenantID(tenant), ID: id, Slot: slot})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("flows: schedules due: %w", err)
	}
	return out, nil
}

// fireHook, when set (tests), is called at the named points of a firing's transaction: "claimed"
// after the firing row is written, "launched" after the batch is.
var fireHook func(point string)

func hook(point string) {
	if fireHook != nil {
		fireHook(point)
	}
}

// errFireFailed carries a firing's client error (the flow is gone or unpublished, the target list
// or assignee no longer exists) out of the transaction that rolled its batch back.
type errFireFailed struct{ err error }

func (e errFireFailed) Error() string { return e.err.Error() }

func (e errFireFailed) Unwrap() error { return e.err }

// FireSchedule fires a due schedule of the tenant in ctx's scope (the firing job's), in one
// transaction on the locked schedule, and reports the batch it made (none: not due, or a slot
// missed under the skip policy, or fired already). The due slots run from next_run_at to now:
// under skip only a slot that is not older than missedAfter fires; under run_once the latest
// due slot fires, however old. Either way next_run_at moves to the first slot after now. The
// firing row is unique per (tenant, schedule, slot), so a retried job, a second instance or a
// crash in the middle never makes a second batch for a slot. A firing the schedule's flow,
// target list or assignee no longer allows is recorded as failed, and the schedule moves on.
func (s *Service) FireSchedule(ctx context.Context, id uuid.UUID) (*Batch, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, fail("fire schedule", err)
	}
	tenant := sc.Tenant.UUID()
	var out *Batch
	var failed errFireFailed
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		r, slot, next, fire, err := s.dueSlot(ctx, qs, tenant, id)
		if err != nil || slot.IsZero() {
			return err
		}
		last := r.LastRunAt
		if fire {
			batch, err := s.fireSlot(ctx, q, r, slot)
			if err != nil {
				return err
			}
			if batch.Valid {
				b, err := readBatch(ctx, qs, tenant, batch.UUID)
				if err != nil {
					return err
				}
				out, last = &b, &slot
			}
		}
		return qs.AdvanceSchedule(ctx, store.AdvanceScheduleParams{TenantID: tenant, ID: id, NextRunAt: next, LastRunAt: last})
	})
	if errors.As(err, &failed) {
		err = s.recordFailure(ctx, tenant, id, failed.err)
	}
	return out, fail("fire schedule", err)
}

// dueSlot locks a schedule and returns the slot to fire (zero: nothing is due), whether to fire it
// (catch-up), and the schedule's next slot.
func (s *Service) dueSlot(ctx context.Context, qs *store.Queries, tenant, id uuid.UUID) (
	r store.FlowMaintenanceSchedule, slot time.Time, next *time.Time, fire bool, err error) {
	r, err = qs.LockSchedule(ctx, store.LockScheduleParams{TenantID: tenant, ID: id})
	now := s.now().UTC()
	switch {
	case postgres.IsNoRows(err): // deleted since the sweep
		return r, time.Time{}, nil, false, nil
	case err != nil:
		return r, time.Time{}, nil, false, err
	case !r.Enabled || r.NextRunAt == nil || r.NextRunAt.After(now): // changed, or fired by another worker
		return r, time.Time{}, nil, false, nil
	}
	c, err := ParseCron(r.Cron, r.Timezone)
	if err != nil { // a zone the system no longer knows: stop the schedule rather than retry forever
		return r, *r.NextRunAt, nil, false, nil //nolint:nilerr // reported through the nil cron: the schedule is stopped, not retried
	}
	slot = *r.NextRunAt
	for n := c.Next(slot); !n.IsZero() && !n.After(now); n = c.Next(n) {
		slot = n
	}
	fire = r.Catchup == CatchupRunOnce || now.Sub(slot) <= missedAfter
	return r, slot.UTC(), nextRun(c, true, now), fire, nil
}

// fireSlot claims a schedule's slot and, when the claim is new, launches its batch as the
// schedule's author, in the schedule's tenant, and reports it; an invalid batch (see FireSchedule)
// is an errFireFailed.
func (s *Service) fireSlot(ctx context.Context, q postgres.Querier, r store.FlowMaintenanceSchedule, slot time.Time) (uuid.NullUUID, error) {
	qs := store.New(q)
	firing, err := qs.InsertFiring(ctx, store.InsertFiringParams{TenantID: r.TenantID, ID: tenancy.NewID(), ScheduleID: r.ID,
		ScheduledFor: slot, Status: "fired", Now: s.now().UTC()})
	if postgres.IsNoRows(err) {
		return uuid.NullUUID{}, nil // fired already
	}
	if err != nil {
		return uuid.NullUUID{}, err
	}
	hook("claimed")
	l := launch{owner: member{tenant: r.TenantID, user: r.CreatedBy, role: tenancy.RoleOperator}, flowID: r.FlowID,
		assignee: idOrNil(r.AssigneeID), source: BatchSchedule, schedule: uuid.NullUUID{UUID: r.ID, Valid: true}, slot: &slot}
	batch, err := s.scheduledBatch(ctx, q, r, l)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
		return uuid.NullUUID{}, errFireFailed{err}
	}
	if err != nil {
		return uuid.NullUUID{}, err
	}
	hook("launched")
	err = qs.SetFiringBatch(ctx, store.SetFiringBatchParams{TenantID: r.TenantID, ID: firing, BatchID: uuid.NullUUID{UUID: batch, Valid: true}})
	return uuid.NullUUID{UUID: batch, Valid: true}, err
}

// scheduledBatch reads a schedule's targets (its list as it is now, then its own) and writes the batch.
func (s *Service) scheduledBatch(ctx context.Context, q postgres.Querier, r store.FlowMaintenanceSchedule, l launch) (uuid.UUID, error) {
	sv, err := scheduleView(r)
	if err != nil {
		return uuid.Nil, err
	}
	l.targets = sv.Targets
	if r.TargetListID.Valid {
		list, err := readTargetList(ctx, store.New(q), r.TenantID, r.TargetListID.UUID)
		if err != nil {
			return uuid.Nil, err
		}
		l.targets = append(list.Targets, l.targets...)
	}
	if _, err := checkTargets("targets", l.targets, false); err != nil {
		return uuid.Nil, err
	}
	return s.writeBatch(ctx, q, l)
}

// recordFailure records a failed firing of the due slot and moves the schedule on, in a
// transaction of its own (the batch's was rolled back).
func (s *Service) recordFailure(ctx context.Context, tenant, id uuid.UUID, cause error) error {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	s.log.WarnContext(ctx, "flows: schedule firing failed", "schedule", id, "err", cause)
	return s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		r, slot, next, _, err := s.dueSlot(ctx, qs, tenant, id)
		if err != nil || slot.IsZero() {
			return err
		}
		_, err = qs.InsertFiring(ctx, store.InsertFiringParams{TenantID: tenant, ID: tenancy.NewID(), ScheduleID: id,
			ScheduledFor: slot, Status: "failed", Error: msg, Now: s.now().UTC()})
		if err != nil && !postgres.IsNoRows(err) {
			return err
		}
		return qs.AdvanceSchedule(ctx, store.AdvanceScheduleParams{TenantID: tenant, ID: id, NextRunAt: next, LastRunAt: r.LastRunAt})
	})
}
