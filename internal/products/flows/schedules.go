package flows

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Catch-up policies: what a schedule does with the slots it missed (the service was down).
const (
	CatchupSkip    = "skip"     // fire none of them; go on with the next future slot
	CatchupRunOnce = "run_once" // fire the latest of them once, then go on with the next future slot
)

// MaxScheduleName bounds a schedule's name (characters).
const MaxScheduleName = 200

// Schedule is a maintenance schedule: a flow run as a batch for a target list (or ad-hoc targets)
// on a cron expression in an IANA time zone. Only members who can see the flow (sessions' rule)
// reach it: any other schedule is the 404 of a random id.
type Schedule struct {
	ID           uuid.UUID  `json:"id" format:"uuid"`
	Name         string     `json:"name"`
	FlowID       uuid.UUID  `json:"flow_id" format:"uuid"`
	TargetListID *uuid.UUID `json:"target_list_id" format:"uuid"`
	Targets      []Target   `json:"targets" doc:"The ad-hoc targets, fired after the target list's"`
	Cron         string     `json:"cron" doc:"Five fields: minute hour day-of-month month day-of-week"`
	Timezone     string     `json:"timezone" doc:"The IANA zone the cron expression is read in"`
	Catchup      string     `json:"catchup" enum:"skip,run_once"`
	Enabled      bool       `json:"enabled"`
	AssignedTo   *uuid.UUID `json:"assigned_to" format:"uuid" doc:"The member the batches' sessions are assigned to"`
	NextRunAt    *time.Time `json:"next_run_at" doc:"The next slot (null while disabled)"`
	LastRunAt    *time.Time `json:"last_run_at"`
	CreatedBy    uuid.UUID  `json:"created_by" format:"uuid" doc:"Owns the sessions the schedule prepares"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// ScheduleInput creates or replaces a schedule.
type ScheduleInput struct {
	Name         string     `json:"name" minLength:"1" maxLength:"200" example:"Monthly patch check"`
	FlowID       uuid.UUID  `json:"flow_id" format:"uuid" doc:"A flow you can see"`
	TargetListID *uuid.UUID `json:"target_list_id,omitempty" format:"uuid" doc:"A target list of the tenant, read at each firing"`
	Targets      []Target   `json:"targets,omitempty" maxItems:"500" example:"[{\"label\": \"srv-files-01\"}]" doc:"Ad-hoc targets, after the list's (required without a list)"`
	Cron         string     `json:"cron" minLength:"1" maxLength:"200" example:"0 3 * * MON" doc:"Five fields: minute hour day-of-month month day-of-week"`
	Timezone     string     `json:"timezone" minLength:"1" maxLength:"100" example:"Europe/Berlin" doc:"An IANA time zone"`
	Catchup      string     `json:"catchup,omitempty" enum:"skip,run_once" doc:"After downtime: skip the missed slots (default) or fire the latest once"`
	Enabled      *bool      `json:"enabled,omitempty" doc:"Default true"`
	AssignedTo   *uuid.UUID `json:"assigned_to,omitempty" format:"uuid" doc:"A member of the tenant who works the sessions"`
}

// checked is a validated ScheduleInput.
type checked struct {
	in      ScheduleInput
	cron    Cron
	targets []byte
	enabled bool
}

func (in ScheduleInput) check() (checked, error) {
	in.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		return checked{}, errs.Invalidf("body.name", "is required")
	case n > MaxScheduleName:
		return checked{}, errs.Invalidf("body.name", "must be at most %d characters", MaxScheduleName)
	}
	if in.Catchup == "" {
		in.Catchup = CatchupSkip
	}
	if in.Catchup != CatchupSkip && in.Catchup != CatchupRunOnce {
		return checked{}, errs.Invalidf("body.catchup", "must be skip or run_once")
	}
	c, err := ParseCron(in.Cron, in.Timezone)
	if err != nil {
		return checked{}, err
	}
	in.Cron = strings.Join(strings.Fields(in.Cron), " ")
	out := checked{in: in, cron: c, enabled: in.Enabled == nil || *in.Enabled}
	targets, err := checkTargets("body.targets", in.Targets, in.TargetListID != nil)
	if err != nil || len(targets) == 0 {
		return out, err
	}
	out.targets, err = json.Marshal(targets)
	return out, err
}

func scheduleView(r store.FlowMaintenanceSchedule) (Schedule, error) {
	out := Schedule{ID: r.ID, Name: r.Name, FlowID: r.FlowID, TargetListID: idOrNil(r.TargetListID), Targets: []Target{},
		Cron: r.Cron, Timezone: r.Timezone, Catchup: r.Catchup, Enabled: r.Enabled, AssignedTo: idOrNil(r.AssigneeID),
		NextRunAt: r.NextRunAt, LastRunAt: r.LastRunAt, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Targets != nil {
		if err := json.Unmarshal(r.Targets, &out.Targets); err != nil {
			return Schedule{}, err
		}
	}
	return out, nil
}

// writable checks, in q's transaction, what a schedule refers to: the flow must be visible to m
// (else NotFound, as sessions do), the target list and the assignee must be the tenant's (else
// NotFound).
func writable(ctx context.Context, qs *store.Queries, m member, c checked) error {
	if _, err := qs.GetStartableFlow(ctx, store.GetStartableFlowParams{TenantID: m.tenant, FlowID: c.in.FlowID, Me: m.user}); err != nil {
		return notFound(err)
	}
	if c.in.TargetListID != nil {
		if _, err := readTargetList(ctx, qs, m.tenant, *c.in.TargetListID); err != nil {
			return err
		}
	}
	if c.in.AssignedTo != nil {
		return checkAssignee(ctx, qs, m, *c.in.AssignedTo)
	}
	return nil
}

// nextRun is a schedule's next slot after now, or nil while it is disabled.
func nextRun(c Cron, enabled bool, now time.Time) *time.Time {
	if !enabled {
		return nil
	}
	next := c.Next(now).UTC()
	return &next
}

// CreateSchedule creates a maintenance schedule (operators and above) of a flow the caller can see
// (else errs.ErrNotFound); its first slot is the next one after now.
func (s *Service) CreateSchedule(ctx context.Context, in ScheduleInput) (Schedule, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return Schedule{}, fail("create schedule", err)
	}
	c, err := in.check()
	if err != nil {
		return Schedule{}, fail("create schedule", err)
	}
	id, now := tenancy.NewID(), s.now().UTC()
	var out Schedule
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		if err := writable(ctx, qs, m, c); err != nil {
			return err
		}
		err := qs.InsertSchedule(ctx, store.InsertScheduleParams{TenantID: m.tenant, ID: id, Name: c.in.Name, FlowID: c.in.FlowID,
			TargetListID: optionalUUID(c.in.TargetListID), Targets: c.targets, Cron: c.in.Cron, Timezone: c.in.Timezone,
			Catchup: c.in.Catchup, Enabled: c.enabled, AssigneeID: optionalUUID(c.in.AssignedTo),
			NextRunAt: nextRun(c.cron, c.enabled, now), CreatedBy: m.user, Now: now})
		if err != nil {
			return notFound(err)
		}
		if err := record(ctx, q, "flow_schedule.create", "flow_schedule", id, map[string]any{"flow_id": c.in.FlowID.String(),
			"cron": c.in.Cron, "timezone": c.in.Timezone}); err != nil {
			return err
		}
		out, err = readSchedule(ctx, qs, m, id)
		return err
	})
	return out, fail("create schedule", err)
}

func readSchedule(ctx context.Context, qs *store.Queries, m member, id uuid.UUID) (Schedule, error) {
	r, err := qs.GetSchedule(ctx, store.GetScheduleParams{TenantID: m.tenant, ID: id, Me: m.user})
	if err != nil {
		return Schedule{}, found(err)
	}
	return scheduleView(r)
}

// GetSchedule returns a schedule whose flow the caller can see; any other id is errs.ErrNotFound.
func (s *Service) GetSchedule(ctx context.Context, id uuid.UUID) (Schedule, error) {
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return Schedule{}, fail("get schedule", err)
	}
	var out Schedule
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = readSchedule(ctx, store.New(q), m, id)
		return err
	})
	return out, fail("get schedule", err)
}

// ListSchedules returns up to size+1 of the schedules whose flow the caller can see, newest first
// (httpapi.List).
func (s *Service) ListSchedules(ctx context.Context, size int, after *createdKey) ([]Schedule, error) {
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return nil, fail("list schedules", err)
	}
	p := store.ListSchedulesParams{TenantID: m.tenant, Me: m.user, Lim: int32(size + 1)}
	p.AfterCreated, p.AfterID = after.params()
	var out []Schedule
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListSchedules(ctx, p)
		for _, r := range rows {
			v, verr := scheduleView(r)
			if verr != nil {
				return verr
			}
			out = append(out, v)
		}
		return err
	})
	return out, fail("list schedules", err)
}

// UpdateSchedule replaces a schedule (operators and above who can see both its flow and the new
// one, else errs.ErrNotFound); its next slot is computed again from now.
func (s *Service) UpdateSchedule(ctx context.Context, id uuid.UUID, in ScheduleInput) (Schedule, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return Schedule{}, fail("update schedule", err)
	}
	var out Schedule
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		if _, err := readSchedule(ctx, qs, m, id); err != nil {
			return err
		}
		c, err := in.check()
		if err != nil {
			return err
		}
		if err := writable(ctx, qs, m, c); err != nil {
			return err
		}
		now := s.now().UTC()
		_, err = qs.UpdateSchedule(ctx, store.UpdateScheduleParams{TenantID: m.tenant, ID: id, Name: c.in.Name, FlowID: c.in.FlowID,
			TargetListID: optionalUUID(c.in.TargetListID), Targets: c.targets, Cron: c.in.Cron, Timezone: c.in.Timezone,
			Catchup: c.in.Catchup, Enabled: c.enabled, AssigneeID: optionalUUID(c.in.AssignedTo),
			NextRunAt: nextRun(c.cron, c.enabled, now), Now: now})
		if err != nil {
			return notFound(err)
		}
		if err := record(ctx, q, "flow_schedule.update", "flow_schedule", id, map[string]any{"cron": c.in.Cron,
			"timezone": c.in.Timezone, "enabled": c.enabled}); err != nil {
			return err
		}
		out, err = readSchedule(ctx, qs, m, id)
		return err
	})
	return out, fail("update schedule", err)
}

// DeleteSchedule deletes a schedule and its firing record (operators and above who can see its
// flow, else errs.ErrNotFound); its batches and sessions stay.
func (s *Service) DeleteSchedule(ctx context.Context, id uuid.UUID) error {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return fail("delete schedule", err)
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		if _, err := readSchedule(ctx, qs, m, id); err != nil {
			return err
		}
		if _, err := qs.DeleteSchedule(ctx, store.DeleteScheduleParams{TenantID: m.tenant, ID: id}); err != nil {
			return err
		}
		return record(ctx, q, "flow_schedule.delete", "flow_schedule", id, nil)
	})
	return fail("delete schedule", err)
}

// RunScheduleNow fires a schedule at once, whatever its slots (operators and above who can see
// its flow, else errs.ErrNotFound): a batch as the schedule's author, recorded as a firing of
// this instant; the schedule's next slot does not change.
func (s *Service) RunScheduleNow(ctx context.Context, id uuid.UUID) (Batch, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return Batch{}, fail("run schedule", err)
	}
	var out Batch
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		if _, err := readSchedule(ctx, qs, m, id); err != nil {
			return err
		}
		r, err := qs.LockSchedule(ctx, store.LockScheduleParams{TenantID: m.tenant, ID: id})
		if err != nil {
			return found(err)
		}
		batch, err := s.fireSlot(ctx, q, r, s.now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		if !batch.Valid {
			return errs.E(errs.Conflict, "the schedule fired at this instant already, retry")
		}
		out, err = readBatch(ctx, qs, m.tenant, batch.UUID)
		return err
	})
	return out, fail("run schedule", err)
}
