-- name: GetStartableFlow :one
-- A live flow the caller may run, with its current published version (NULL columns when the flow
-- has never been published). Visible: the author; account visibility; team visibility to the
-- members of the flow's team. Anything else is no row.
SELECT f.id, f.current_version, v.title AS version_title, v.description AS version_description,
       v.kind AS version_kind, v.graph AS version_graph
FROM flows f
LEFT JOIN flow_versions v ON v.tenant_id = f.tenant_id AND v.flow_id = f.id AND v.version = f.current_version
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.id = sqlc.arg(flow_id) AND f.deleted_at IS NULL
  AND (f.author_id = sqlc.arg(me)::uuid
       OR f.visibility = 'account'
       OR (f.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = f.tenant_id AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(me)::uuid)));

-- name: IsTenantMember :one
-- Whether a user is a member of the tenant (an assignee must be).
SELECT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = $1 AND m.user_id = $2);

-- name: InsertSession :exec
INSERT INTO flow_sessions (tenant_id, id, user_id, assigned_to, flow_id, flow_version, snapshot, status, outcome, run,
                           variables, ticket_number, client_name, batch_id, target_label, schedule_id, started_at,
                           completed_at, created_at, updated_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(user_id), sqlc.narg(assigned_to), sqlc.arg(flow_id),
        sqlc.arg(flow_version), sqlc.arg(snapshot), sqlc.arg(status), sqlc.narg(outcome), sqlc.arg(run),
        sqlc.arg(variables), sqlc.arg(ticket_number), sqlc.arg(client_name), sqlc.narg(batch_id),
        sqlc.narg(target_label), sqlc.narg(schedule_id), sqlc.narg(started_at), sqlc.narg(completed_at),
        sqlc.arg(now), sqlc.arg(now));

-- name: GetSession :one
-- A session of the caller: owned by or assigned to them.
SELECT * FROM flow_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid);

-- name: LockSession :one
-- GetSession, locking the row for the transaction: concurrent writes to one session (two decisions
-- sent at once) run one after the other, each on the state the previous one committed.
SELECT * FROM flow_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid)
FOR UPDATE;

-- name: SaveSession :execrows
-- Writes a session's whole mutable state (the service changed it on the locked row).
UPDATE flow_sessions s SET
    status = sqlc.arg(status),
    outcome = sqlc.narg(outcome),
    run = sqlc.arg(run),
    custom_steps = sqlc.arg(custom_steps),
    scratchpad = sqlc.arg(scratchpad),
    variables = sqlc.arg(variables),
    ticket_number = sqlc.arg(ticket_number),
    client_name = sqlc.arg(client_name),
    started_at = sqlc.narg(started_at),
    completed_at = sqlc.narg(completed_at),
    abandoned_at = sqlc.narg(abandoned_at),
    updated_at = sqlc.arg(now)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid);

-- name: ListSessions :many
-- The caller's sessions, newest first: their own and those assigned to them (only_mine and
-- only_assigned narrow it to one of the two), by status and flow.
SELECT s.id, s.user_id, s.assigned_to, s.flow_id, s.flow_version, (s.snapshot ->> 'title')::text AS title,
       s.status, s.outcome, s.ticket_number, s.client_name, s.started_at, s.completed_at, s.abandoned_at,
       s.created_at, s.updated_at
FROM flow_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid)
  AND (NOT sqlc.arg(only_mine)::bool OR s.user_id = sqlc.arg(me)::uuid)
  AND (NOT sqlc.arg(only_assigned)::bool OR s.assigned_to = sqlc.arg(me)::uuid)
  AND (sqlc.narg(status)::text IS NULL OR s.status = sqlc.narg(status)::text)
  AND (sqlc.narg(flow_id)::uuid IS NULL OR s.flow_id = sqlc.narg(flow_id)::uuid)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (s.created_at, s.id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY s.created_at DESC, s.id DESC
LIMIT sqlc.arg(lim);

-- name: CountFlowUse :exec
-- Counts one session started from a flow, atomically.
UPDATE flows f SET usage_count = f.usage_count + 1 WHERE f.tenant_id = $1 AND f.id = $2;
