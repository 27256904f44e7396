package flows

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// scheduleRoutes registers target lists, batches, maintenance schedules and notifications.
// Members read target lists and batches (progress counts, no session content); operators write
// lists and launch batches, whose sessions are theirs (members only, as for sessions). Schedules
// are reached only by members who can see the schedule's flow (the sessions' rule: any other is
// the 404 of a random id). Notifications are each member's own. API keys are refused throughout.
func (s *Service) scheduleRoutes(api huma.API, log *slog.Logger) {
	for _, t := range [][2]string{
		{"Target lists and batches", "Named lists of targets, and batches: one prepared session per target, launched together."},
		{"Maintenance schedules", "Flows launched as batches on a cron expression in a time zone, with a catch-up policy."},
		{"Notifications", "Your own notifications, such as a batch of sessions waiting for you."},
	} {
		httpapi.DescribeTag(api, t[0], t[1])
	}
	rt := httpapi.NewRoutes(api, log)
	batches, schedules, notes := rt.Tag("Target lists and batches"), rt.Tag("Maintenance schedules"), rt.Tag("Notifications")
	read, write := httpapi.Viewer(""), httpapi.Operator("")
	own := httpapi.Access{Class: httpapi.OwnerOnly, Role: tenancy.RoleViewer}
	const nf, cf = http.StatusNotFound, http.StatusConflict
	const tl, ms, batch = "/api/v1/target-lists/{id}", "/api/v1/maintenance-schedules/{id}", "/api/v1/batches/{id}"

	httpapi.Get(batches, "/api/v1/target-lists", "list-target-lists", read,
		s.handleListTargetLists, "List the tenant's target lists, newest first")
	httpapi.Post(batches.Location(tl), "/api/v1/target-lists", "create-target-list", write,
		s.handleCreateTargetList, "Create a target list", 201)
	httpapi.Get(batches, tl, "get-target-list", read, s.handleGetTargetList, "Get a target list", nf)
	httpapi.Put(batches, tl, "replace-target-list", write,
		s.handleReplaceTargetList, "Replace a target list's name, description and targets", nf)
	httpapi.Delete(batches, tl, "delete-target-list", write,
		s.handleDeleteTargetList, "Delete a target list no schedule uses", 204, nf, cf)
	httpapi.Post(batches.Location(batch), "/api/v1/batches", "create-batch", write,
		s.handleCreateBatch, "Launch a batch: one prepared session of a flow per target", 201, nf)
	httpapi.Post(batches.Location(batch), "/api/v1/flows/{id}/batch-launch", "launch-flow-batch", write.Needs(httpapi.Visible),
		s.handleLaunchBatch, "Launch a batch of this flow: one prepared session per target", 201, nf)
	httpapi.Get(batches, "/api/v1/batches", "list-batches", read,
		s.handleListBatches, "List the tenant's batches, newest first")
	httpapi.Get(batches, batch, "get-batch", read, s.handleGetBatch, "Get a batch with its sessions' progress", nf)

	httpapi.Get(schedules, "/api/v1/maintenance-schedules", "list-maintenance-schedules", read,
		s.handleListSchedules, "List the schedules of flows you can see, newest first")
	create := huma.Operation{OperationID: "create-maintenance-schedule", Method: http.MethodPost, Path: "/api/v1/maintenance-schedules",
		Summary: "Create a maintenance schedule of a flow you can see", DefaultStatus: http.StatusCreated, Errors: []int{nf}}
	httpapi.Add(schedules.Location(ms), withExample(create, exampleSchedule), write, s.handleCreateSchedule)
	httpapi.Get(schedules, ms, "get-maintenance-schedule", read, s.handleGetSchedule, "Get a maintenance schedule", nf)
	httpapi.Put(schedules, ms, "replace-maintenance-schedule", write,
		s.handleReplaceSchedule, "Replace a maintenance schedule (its next run is computed again)", nf)
	httpapi.Delete(schedules, ms, "delete-maintenance-schedule", write,
		s.handleDeleteSchedule, "Delete a maintenance schedule (its batches stay)", 204, nf)
	httpapi.Post(schedules.Location(batch), ms+"/run-now", "run-maintenance-schedule", write,
		s.handleRunSchedule, "Fire a schedule now: its batch, whatever its next run", 201, nf, cf)

	httpapi.Get(notes, "/api/v1/notifications", "list-notifications", read,
		s.handleListNotifications, "List your notifications, newest first")
	httpapi.Post(notes, "/api/v1/notifications/{id}/read", "read-notification", own,
		s.handleReadNotification, "Mark one of your notifications read", 200, nf)
}

// TargetListOutput is one target list.
type TargetListOutput struct {
	Body TargetList
}

// TargetListPage is a page of target lists.
type TargetListPage struct {
	Body httpapi.Page[TargetList]
}

func (s *Service) handleListTargetLists(ctx context.Context, in *httpapi.PageInput) (*TargetListPage, error) {
	key := func(x TargetList) createdKey { return createdKey{x.CreatedAt, x.ID} }
	page, err := httpapi.List(*in, key, func(size int, after *createdKey) ([]TargetList, error) {
		return s.ListTargetLists(ctx, size, after)
	})
	return &TargetListPage{Body: page}, err
}

// CreateTargetListInput creates a target list.
type CreateTargetListInput struct {
	Body TargetListInput
}

func (s *Service) handleCreateTargetList(ctx context.Context, in *CreateTargetListInput) (*TargetListOutput, error) {
	out, err := s.CreateTargetList(ctx, in.Body)
	return &TargetListOutput{Body: out}, err
}

func (s *Service) handleGetTargetList(ctx context.Context, in *httpapi.IDInput) (*TargetListOutput, error) {
	out, err := s.GetTargetList(ctx, in.ID)
	return &TargetListOutput{Body: out}, err
}

// ReplaceTargetListInput replaces a target list.
type ReplaceTargetListInput struct {
	httpapi.IDInput
	Body TargetListInput
}

func (s *Service) handleReplaceTargetList(ctx context.Context, in *ReplaceTargetListInput) (*TargetListOutput, error) {
	out, err := s.UpdateTargetList(ctx, in.ID, in.Body)
	return &TargetListOutput{Body: out}, err
}

func (s *Service) handleDeleteTargetList(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteTargetList(ctx, in.ID)
}

// BatchOutput is one batch.
type BatchOutput struct {
	Body Batch
}

// BatchPage is a page of batches.
type BatchPage struct {
	Body httpapi.Page[Batch]
}

// CreateBatchInput launches a batch of a flow named in the body.
type CreateBatchInput struct {
	Body struct {
		FlowID uuid.UUID `json:"flow_id" format:"uuid" doc:"A flow you can see, with a published version"`
		BatchLaunch
	}
}

func (s *Service) handleCreateBatch(ctx context.Context, in *CreateBatchInput) (*BatchOutput, error) {
	out, err := s.LaunchBatch(ctx, in.Body.FlowID, in.Body.BatchLaunch)
	return &BatchOutput{Body: out}, err
}

// LaunchBatchInput launches a batch of the flow in the path.
type LaunchBatchInput struct {
	httpapi.IDInput
	Body BatchLaunch
}

func (s *Service) handleLaunchBatch(ctx context.Context, in *LaunchBatchInput) (*BatchOutput, error) {
	out, err := s.LaunchBatch(ctx, in.ID, in.Body)
	return &BatchOutput{Body: out}, err
}

func (s *Service) handleListBatches(ctx context.Context, in *httpapi.PageInput) (*BatchPage, error) {
	key := func(x Batch) createdKey { return createdKey{x.CreatedAt, x.ID} }
	page, err := httpapi.List(*in, key, func(size int, after *createdKey) ([]Batch, error) {
		return s.ListBatches(ctx, size, after)
	})
	return &BatchPage{Body: page}, err
}

func (s *Service) handleGetBatch(ctx context.Context, in *httpapi.IDInput) (*BatchOutput, error) {
	out, err := s.GetBatch(ctx, in.ID)
	return &BatchOutput{Body: out}, err
}

// ScheduleOutput is one maintenance schedule.
type ScheduleOutput struct {
	Body Schedule
}

// SchedulePage is a page of maintenance schedules.
type SchedulePage struct {
	Body httpapi.Page[Schedule]
}

func (s *Service) handleListSchedules(ctx context.Context, in *httpapi.PageInput) (*SchedulePage, error) {
	key := func(x Schedule) createdKey { return createdKey{x.CreatedAt, x.ID} }
	page, err := httpapi.List(*in, key, func(size int, after *createdKey) ([]Schedule, error) {
		return s.ListSchedules(ctx, size, after)
	})
	return &SchedulePage{Body: page}, err
}

// CreateScheduleInput creates a maintenance schedule.
type CreateScheduleInput struct {
	Body ScheduleInput
}

func (s *Service) handleCreateSchedule(ctx context.Context, in *CreateScheduleInput) (*ScheduleOutput, error) {
	out, err := s.CreateSchedule(ctx, in.Body)
	return &ScheduleOutput{Body: out}, err
}

func (s *Service) handleGetSchedule(ctx context.Context, in *httpapi.IDInput) (*ScheduleOutput, error) {
	out, err := s.GetSchedule(ctx, in.ID)
	return &ScheduleOutput{Body: out}, err
}

// ReplaceScheduleInput replaces a maintenance schedule.
type ReplaceScheduleInput struct {
	httpapi.IDInput
	Body ScheduleInput
}

func (s *Service) handleReplaceSchedule(ctx context.Context, in *ReplaceScheduleInput) (*ScheduleOutput, error) {
	out, err := s.UpdateSchedule(ctx, in.ID, in.Body)
	return &ScheduleOutput{Body: out}, err
}

func (s *Service) handleDeleteSchedule(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteSchedule(ctx, in.ID)
}

func (s *Service) handleRunSchedule(ctx context.Context, in *httpapi.IDInput) (*BatchOutput, error) {
	out, err := s.RunScheduleNow(ctx, in.ID)
	return &BatchOutput{Body: out}, err
}

// NotificationOutput is one notification.
type NotificationOutput struct {
	Body Notification
}

// NotificationPage is a page of notifications.
type NotificationPage struct {
	Body httpapi.Page[Notification]
}

// ListNotificationsInput pages the caller's notifications.
type ListNotificationsInput struct {
	httpapi.PageInput
	Unread bool `query:"unread" doc:"Only notifications not read yet"`
}

func (s *Service) handleListNotifications(ctx context.Context, in *ListNotificationsInput) (*NotificationPage, error) {
	key := func(x Notification) createdKey { return createdKey{x.CreatedAt, x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *createdKey) ([]Notification, error) {
		return s.ListNotifications(ctx, in.Unread, size, after)
	})
	return &NotificationPage{Body: page}, err
}

func (s *Service) handleReadNotification(ctx context.Context, in *httpapi.IDInput) (*NotificationOutput, error) {
	out, err := s.ReadNotification(ctx, in.ID)
	return &NotificationOutput{Body: out}, err
}

// exampleSchedule is the documented body of create-maintenance-schedule: a schedule needs a target
// list or targets of its own (the flow and list ids are the caller's).
var exampleSchedule = map[string]any{"name": "Monthly patch check", "flow_id": "0193a5b2-7c4e-7d1a-9f00-3b6c2a1d4e5f", "cron": "0 3 * * 1", "timezone": "Europe/Berlin",
	"catchup": "skip", "targets": []any{map[string]any{"label": "srv-files-01", "notes": "Check the backup job first"}}}
