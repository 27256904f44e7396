-- name: VisibleFlow :one
-- A live flow of the tenant that the caller may see: account-wide, the caller's own, or shared
-- with a team the caller is in. Anything else is no row (404).
SELECT f.id FROM flows f
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.id = sqlc.arg(id) AND f.deleted_at IS NULL
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(user_id)
       OR (f.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = f.tenant_id AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(user_id))));

-- name: FlowSessionStats :one
-- The flow's sessions that started in [since, until) (flow_sessions_flow_idx); prepared sessions
-- that never started do not count. The median is over the completed ones.
SELECT count(*) AS started,
       count(*) FILTER (WHERE s.status = 'completed') AS completed,
       count(*) FILTER (WHERE s.status = 'abandoned') AS abandoned,
       -- 0 when no session completed (completed says so): sqlc cannot type the NULL of an aggregate.
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.completed_at - s.started_at))
           FILTER (WHERE s.status = 'completed'), 0)::float8 AS median_seconds
FROM flow_sessions s  -- tenantlint:all-owners per-flow analytics count every member's sessions of the tenant (no content)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.flow_id = sqlc.arg(flow_id)::uuid
  AND s.started_at >= sqlc.arg(since)::timestamptz AND s.started_at < sqlc.arg(until)::timestamptz;

-- name: FlowOutcomes :many
-- Completed sessions by outcome ("none" for a session completed without one).
SELECT coalesce(s.outcome, 'none')::text AS outcome, count(*) AS sessions
FROM flow_sessions s  -- tenantlint:all-owners per-flow analytics count every member's sessions of the tenant (no content)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.flow_id = sqlc.arg(flow_id)::uuid AND s.status = 'completed'
  AND s.started_at >= sqlc.arg(since)::timestamptz AND s.started_at < sqlc.arg(until)::timestamptz
GROUP BY 1 ORDER BY sessions DESC, outcome;

-- name: FlowEndNodes :many
-- The nodes where sessions of one status stopped (run.current): exit nodes of completed
-- sessions, drop-off nodes of abandoned ones; most frequent first.
SELECT (s.run ->> 'current')::text AS node_id, count(*) AS sessions
FROM flow_sessions s  -- tenantlint:all-owners per-flow analytics count every member's sessions of the tenant (no content)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.flow_id = sqlc.arg(flow_id)::uuid AND s.status = sqlc.arg(status)
  AND s.started_at >= sqlc.arg(since)::timestamptz AND s.started_at < sqlc.arg(until)::timestamptz
  AND s.run ->> 'current' IS NOT NULL
GROUP BY 1 ORDER BY sessions DESC, node_id
LIMIT sqlc.arg(lim);
