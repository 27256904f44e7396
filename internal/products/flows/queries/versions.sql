-- Published versions (publish.go, versions.go): immutable rows numbered 1, 2, 3... per flow. The
-- publisher holds the flow's row lock (LockFlow) while it numbers and inserts the next version, so
-- concurrent publications of one flow take turns; flow_versions_version_key backs that up.

-- name: NextVersion :one
SELECT (coalesce(max(v.version), 0) + 1)::integer AS next FROM flow_versions v
WHERE v.tenant_id = $1 AND v.flow_id = $2;

-- name: InsertVersion :exec
INSERT INTO flow_versions (tenant_id, id, flow_id, version, title, description, kind, graph, published_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: SetCurrentVersion :exec
UPDATE flows SET current_version = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2;

-- name: GetVersion :one
SELECT v.version, v.title, v.description, v.kind, v.graph, v.published_by, v.published_at
FROM flow_versions v WHERE v.tenant_id = $1 AND v.flow_id = $2 AND v.version = $3;

-- name: ListVersions :many
-- A flow's versions, newest first, without their graphs.
SELECT v.version, v.title, v.description, v.kind, v.published_by, v.published_at
FROM flow_versions v
WHERE v.tenant_id = sqlc.arg(tenant_id) AND v.flow_id = sqlc.arg(flow_id)
  AND (sqlc.narg(before)::integer IS NULL OR v.version < sqlc.narg(before)::integer)
ORDER BY v.version DESC
LIMIT sqlc.arg(lim);

-- name: LatestGraph :one
-- The graph of a live flow's current published version: what a sub-flow node opens, and what a
-- fork copies. No row when the flow is deleted or was never published.
SELECT v.graph FROM flows f
JOIN flow_versions v ON v.tenant_id = f.tenant_id AND v.flow_id = f.id AND v.version = f.current_version
WHERE f.tenant_id = $1 AND f.id = $2 AND f.deleted_at IS NULL;

-- name: SubflowTargets :many
-- Which of ids are live, published flows the caller can see (the visibility predicate of GetFlow):
-- the flows a graph's sub-flow nodes may open.
SELECT f.id FROM flows f
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.id = ANY(sqlc.arg(ids)::uuid[]) AND f.deleted_at IS NULL
  AND f.current_version IS NOT NULL
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(user_id)
       OR (f.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id
           AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(user_id))));

-- name: LockSubflowGraph :exec
-- Publications whose graph opens sub-flows take turns in the tenant (a transaction-level advisory
-- lock on the tenant's id), so two of them cannot each close half of a cycle unseen.
SELECT pg_advisory_xact_lock(hashtextextended('flows.subflows:' || sqlc.arg(tenant_id)::uuid::text, 0));
