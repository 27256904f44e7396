-- Target lists, batches, maintenance schedules, their firings, and notifications.

-- name: InsertTargetList :exec
INSERT INTO flow_target_lists (tenant_id, id, name, description, targets, created_by, created_at, updated_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(name), sqlc.arg(description), sqlc.arg(targets),
        sqlc.arg(created_by), sqlc.arg(now), sqlc.arg(now));

-- name: GetTargetList :one
SELECT * FROM flow_target_lists WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: ListTargetLists :many
-- The tenant's target lists, newest first.
SELECT * FROM flow_target_lists
WHERE tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim);

-- name: UpdateTargetList :execrows
UPDATE flow_target_lists SET name = sqlc.arg(name), description = sqlc.arg(description), targets = sqlc.arg(targets),
    updated_at = sqlc.arg(now)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: DeleteTargetList :execrows
DELETE FROM flow_target_lists WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: InsertBatch :exec
INSERT INTO flow_batches (tenant_id, id, flow_id, flow_version, launched_by, source, schedule_id, scheduled_for,
                          target_count, created_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(flow_id), sqlc.arg(flow_version), sqlc.arg(launched_by),
        sqlc.arg(source), sqlc.narg(schedule_id), sqlc.narg(scheduled_for), sqlc.arg(target_count), sqlc.arg(now));

-- name: GetBatch :one
SELECT * FROM flow_batches WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: ListBatches :many
-- The tenant's batches, newest first.
SELECT * FROM flow_batches
WHERE tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim);

-- name: BatchProgress :many
-- The sessions of a batch by status (flow_sessions_batch_idx).
SELECT s.status, count(*) AS sessions
FROM flow_sessions s  -- tenantlint:all-owners a batch's progress counts every member's sessions of the batch (no content)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.batch_id = sqlc.arg(batch_id)::uuid
GROUP BY s.status;

-- name: InsertSchedule :exec
INSERT INTO flow_maintenance_schedules (tenant_id, id, name, flow_id, target_list_id, targets, cron, timezone, catchup,
                                        enabled, assignee_id, next_run_at, created_by, created_at, updated_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(name), sqlc.arg(flow_id), sqlc.narg(target_list_id),
        sqlc.narg(targets), sqlc.arg(cron), sqlc.arg(timezone), sqlc.arg(catchup), sqlc.arg(enabled),
        sqlc.narg(assignee_id), sqlc.narg(next_run_at), sqlc.arg(created_by), sqlc.arg(now), sqlc.arg(now));

-- name: GetSchedule :one
-- A schedule whose flow the caller can see (the sessions' rule, GetStartableFlow): another
-- tenant's, or one of a flow outside the caller's team, is no row.
SELECT m.* FROM flow_maintenance_schedules m
JOIN flows f ON f.tenant_id = m.tenant_id AND f.id = m.flow_id
WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.id = sqlc.arg(id) AND f.deleted_at IS NULL
  AND (f.author_id = sqlc.arg(me)::uuid
       OR f.visibility = 'account'
       OR (f.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = f.tenant_id AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(me)::uuid)));

-- name: LockSchedule :one
-- A schedule of the tenant, locked for the rest of the transaction (the firing job).
SELECT * FROM flow_maintenance_schedules WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id) FOR UPDATE;

-- name: ListSchedules :many
-- The schedules whose flow the caller can see, newest first.
SELECT m.* FROM flow_maintenance_schedules m
JOIN flows f ON f.tenant_id = m.tenant_id AND f.id = m.flow_id
WHERE m.tenant_id = sqlc.arg(tenant_id) AND f.deleted_at IS NULL
  AND (f.author_id = sqlc.arg(me)::uuid
       OR f.visibility = 'account'
       OR (f.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = f.tenant_id AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(me)::uuid)))
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (m.created_at, m.id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY m.created_at DESC, m.id DESC
LIMIT sqlc.arg(lim);

-- name: UpdateSchedule :execrows
UPDATE flow_maintenance_schedules SET name = sqlc.arg(name), flow_id = sqlc.arg(flow_id),
    target_list_id = sqlc.narg(target_list_id), targets = sqlc.narg(targets), cron = sqlc.arg(cron),
    timezone = sqlc.arg(timezone), catchup = sqlc.arg(catchup), enabled = sqlc.arg(enabled),
    assignee_id = sqlc.narg(assignee_id), next_run_at = sqlc.narg(next_run_at), updated_at = sqlc.arg(now)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: AdvanceSchedule :exec
-- Moves a schedule to its next slot after a firing (or a skipped one).
UPDATE flow_maintenance_schedules SET next_run_at = sqlc.narg(next_run_at), last_run_at = sqlc.narg(last_run_at)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: DeleteSchedule :execrows
DELETE FROM flow_maintenance_schedules WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: InsertFiring :one
-- Claims a schedule's slot: no row when the slot has fired already (another worker, a retry).
INSERT INTO flow_schedule_firings (tenant_id, id, schedule_id, scheduled_for, batch_id, status, error, created_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(schedule_id), sqlc.arg(scheduled_for), sqlc.narg(batch_id),
        sqlc.arg(status), sqlc.arg(error), sqlc.arg(now))
ON CONFLICT (tenant_id, schedule_id, scheduled_for) DO NOTHING
RETURNING id;

-- name: InsertNotification :exec
INSERT INTO flow_notifications (tenant_id, id, user_id, kind, payload, created_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(kind), sqlc.arg(payload), sqlc.arg(now));

-- name: ListNotifications :many
-- The caller's notifications, newest first.
SELECT * FROM flow_notifications n
WHERE n.tenant_id = sqlc.arg(tenant_id) AND n.user_id = sqlc.arg(me)::uuid
  AND (NOT sqlc.arg(unread)::bool OR n.read_at IS NULL)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (n.created_at, n.id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY n.created_at DESC, n.id DESC
LIMIT sqlc.arg(lim);

-- name: ReadNotification :one
-- Marks one of the caller's notifications read (the first time) and returns it.
UPDATE flow_notifications n SET read_at = coalesce(n.read_at, sqlc.arg(now))
WHERE n.tenant_id = sqlc.arg(tenant_id) AND n.id = sqlc.arg(id) AND n.user_id = sqlc.arg(me)::uuid
RETURNING *;

-- name: SetFiringBatch :exec
-- Records the batch a claimed firing made.
UPDATE flow_schedule_firings SET batch_id = sqlc.arg(batch_id)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: CountFirings :one
-- A schedule's firings (tests and the schedule's history).
SELECT count(*) FROM flow_schedule_firings WHERE tenant_id = sqlc.arg(tenant_id) AND schedule_id = sqlc.arg(schedule_id);
