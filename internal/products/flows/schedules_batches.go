package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Batch sources.
const (
	BatchManual   = "manual"
	BatchSchedule = "schedule"
)

// Batch is a set of prepared sessions of one flow version, one per target, launched together by
// hand or by a maintenance schedule. Every member of the tenant may read a batch's progress (counts,
// no session content); the sessions themselves stay owner-only.
type Batch struct {
	ID           uuid.UUID     `json:"id" format:"uuid"`
	FlowID       uuid.UUID     `json:"flow_id" format:"uuid"`
	FlowVersion  int32         `json:"flow_version"`
	Source       string        `json:"source" enum:"manual,schedule"`
	ScheduleID   *uuid.UUID    `json:"schedule_id" format:"uuid" doc:"The maintenance schedule that fired it (null once deleted)"`
	ScheduledFor *time.Time    `json:"scheduled_for" doc:"The schedule's slot, for a scheduled batch"`
	LaunchedBy   uuid.UUID     `json:"launched_by" format:"uuid" doc:"The member who launched it, or the schedule's author"`
	TargetCount  int32         `json:"target_count"`
	Progress     BatchProgress `json:"progress"`
	CreatedAt    time.Time     `json:"created_at"`
}

// BatchProgress counts a batch's sessions by status.
type BatchProgress struct {
	Prepared  int64 `json:"prepared"`
	Active    int64 `json:"active"`
	Completed int64 `json:"completed"`
	Abandoned int64 `json:"abandoned"`
}

// BatchLaunch launches a batch: the targets of a list, then the targets given (at least one in all).
type BatchLaunch struct {
	TargetListID *uuid.UUID `json:"target_list_id,omitempty" format:"uuid" doc:"A target list of the tenant"`
	Targets      []Target   `json:"targets,omitempty" maxItems:"500" doc:"Ad-hoc targets, after the list's"`
	AssignedTo   *uuid.UUID `json:"assigned_to,omitempty" format:"uuid" doc:"A member of the tenant who works the sessions"`
}

// launch is one batch to write: who owns its sessions, for what, and from where.
type launch struct {
	owner    member
	flowID   uuid.UUID
	targets  []Target
	assignee *uuid.UUID
	source   string
	schedule uuid.NullUUID
	slot     *time.Time
}

// LaunchBatch prepares one session of a flow the caller can see per target, all with one batch id,
// in one transaction: a bad target, a target list or assignee that is not found (404), a flow
// without a published version (422) leave nothing behind. The sessions are the caller's, prepared
// exactly like PrepareSession's (assigned to the assignee when one is given), each with its
// target's label. The member who works them (the assignee, else the caller) is notified.
func (s *Service) LaunchBatch(ctx context.Context, flowID uuid.UUID, in BatchLaunch) (Batch, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return Batch{}, fail("launch batch", err)
	}
	adhoc, err := checkTargets("body.targets", in.Targets, in.TargetListID != nil)
	if err != nil {
		return Batch{}, fail("launch batch", err)
	}
	var out Batch
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		targets := adhoc
		if in.TargetListID != nil {
			list, err := readTargetList(ctx, store.New(q), m.tenant, *in.TargetListID)
			if err != nil {
				return err
			}
			targets = append(list.Targets, adhoc...)
		}
		if _, err := checkTargets("body.targets", targets, false); err != nil {
			return err
		}
		id, err := s.writeBatch(ctx, q, launch{owner: m, flowID: flowID, targets: targets, assignee: in.AssignedTo, source: BatchManual})
		if err != nil {
			return err
		}
		out, err = readBatch(ctx, store.New(q), m.tenant, id)
		return err
	})
	return out, fail("launch batch", err)
}

// writeBatch writes a batch and its sessions in q's transaction through the sessions' own path
// (insertSession), notifies the member who works it, and returns its id.
func (s *Service) writeBatch(ctx context.Context, q postgres.Querier, l launch) (uuid.UUID, error) {
	qs := store.New(q)
	v, err := startableVersion(ctx, qs, l.owner, l.flowID)
	if err != nil {
		return uuid.Nil, err
	}
	id, now := tenancy.NewID(), s.now().UTC()
	err = qs.InsertBatch(ctx, store.InsertBatchParams{TenantID: l.owner.tenant, ID: id, FlowID: l.flowID, FlowVersion: v.version,
		LaunchedBy: l.owner.user, Source: l.source, ScheduleID: l.schedule, ScheduledFor: l.slot, TargetCount: int32(len(l.targets)), Now: now})
	if err != nil {
		return uuid.Nil, err
	}
	for i := range l.targets {
		label := l.targets[i].Label
		n := NewSession{FlowID: l.flowID, AssignedTo: l.assignee}
		link := sessionLink{batch: uuid.NullUUID{UUID: id, Valid: true}, schedule: l.schedule, target: &label}
		if err := insertSession(ctx, q, l.owner, tenancy.NewID(), now, v, n, true, link); err != nil {
			if errs.Is(err, errs.Invalid) {
				return uuid.Nil, fmt.Errorf("target %d: %w", i, err)
			}
			return uuid.Nil, err
		}
	}
	worker := l.owner.user
	if l.assignee != nil {
		worker = *l.assignee
	}
	payload, err := json.Marshal(map[string]any{"batch_id": id, "flow_id": l.flowID, "target_count": len(l.targets),
		"schedule_id": idOrNil(l.schedule), "scheduled_for": l.slot})
	if err != nil {
		return uuid.Nil, err
	}
	err = qs.InsertNotification(ctx, store.InsertNotificationParams{TenantID: l.owner.tenant, ID: tenancy.NewID(), UserID: worker,
		Kind: NotificationBatchReady, Payload: payload, Now: now})
	if err != nil {
		return uuid.Nil, notFound(err)
	}
	return id, record(ctx, q, "flow_batch.launch", "flow_batch", id, map[string]any{"flow_id": l.flowID.String(),
		"targets": len(l.targets), "source": l.source})
}

func readBatch(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (Batch, error) {
	r, err := st.GetBatch(ctx, store.GetBatchParams{TenantID: tenant, ID: id})
	if err != nil {
		return Batch{}, found(err)
	}
	out := batchView(r)
	counts, err := st.BatchProgress(ctx, store.BatchProgressParams{TenantID: tenant, BatchID: id})
	for _, c := range counts {
		switch c.Status {
		case StatusPrepared:
			out.Progress.Prepared = c.Sessions
		case StatusActive:
			out.Progress.Active = c.Sessions
		case StatusCompleted:
			out.Progress.Completed = c.Sessions
		case StatusAbandoned:
			out.Progress.Abandoned = c.Sessions
		}
	}
	return out, err
}

func batchView(r store.FlowBatch) Batch {
	return Batch{ID: r.ID, FlowID: r.FlowID, FlowVersion: r.FlowVersion, Source: r.Source, ScheduleID: idOrNil(r.ScheduleID),
		ScheduledFor: r.ScheduledFor, LaunchedBy: r.LaunchedBy, TargetCount: r.TargetCount, CreatedAt: r.CreatedAt}
}

// GetBatch returns a batch of the tenant with its progress; any other id is errs.ErrNotFound.
func (s *Service) GetBatch(ctx context.Context, id uuid.UUID) (Batch, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Batch{}, fail("get batch", err)
	}
	var out Batch
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = readBatch(ctx, store.New(q), c.tenant, id)
		return err
	})
	return out, fail("get batch", err)
}

// ListBatches returns up to size+1 of the tenant's batches, newest first, without their progress
// (httpapi.List).
func (s *Service) ListBatches(ctx context.Context, size int, after *createdKey) ([]Batch, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, fail("list batches", err)
	}
	p := store.ListBatchesParams{TenantID: c.tenant, Lim: int32(size + 1)}
	p.AfterCreated, p.AfterID = after.params()
	var out []Batch
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListBatches(ctx, p)
		for _, r := range rows {
			out = append(out, batchView(r))
		}
		return err
	})
	return out, fail("list batches", err)
}
