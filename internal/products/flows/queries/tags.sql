-- Flow tags (tags.go): the global catalogue (read-only to tenants) next to the tenant's own tags.
-- Counts of flows cover the caller's tenant only, and only the flows the caller can see.

-- name: ListTags :many
SELECT x.id, x.name, x.global FROM (
    SELECT t.id, t.name, false AS global FROM flow_tags t WHERE t.tenant_id = sqlc.arg(tenant_id)
    UNION ALL
    SELECT g.id, g.name, true AS global FROM flow_global_tags g
) x
WHERE (sqlc.narg(q)::text IS NULL OR strpos(lower(x.name), lower(sqlc.narg(q)::text)) > 0)
  AND (sqlc.narg(after_name)::text IS NULL OR (x.name, x.id) > (sqlc.narg(after_name)::text, sqlc.narg(after_id)::uuid))
ORDER BY x.name, x.id
LIMIT sqlc.arg(lim);

-- name: GetTag :one
SELECT x.id, x.name, x.global FROM (
    SELECT t.id, t.name, false AS global FROM flow_tags t WHERE t.tenant_id = sqlc.arg(tenant_id) AND t.id = sqlc.arg(id)
    UNION ALL
    SELECT g.id, g.name, true AS global FROM flow_global_tags g WHERE g.id = sqlc.arg(id)
) x
LIMIT 1;

-- name: CountTagFlows :one
SELECT count(*) FROM flows f
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.deleted_at IS NULL
  AND (EXISTS (SELECT 1 FROM flow_tag_links tl WHERE tl.tenant_id = f.tenant_id AND tl.flow_id = f.id AND tl.tag_id = sqlc.arg(id))
       OR EXISTS (SELECT 1 FROM flow_global_tag_links gl WHERE gl.tenant_id = f.tenant_id AND gl.flow_id = f.id
                  AND gl.global_tag_id = sqlc.arg(id)))
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(user_id)
       OR (f.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id
           AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(user_id))));

-- name: InsertTag :exec
INSERT INTO flow_tags (tenant_id, id, name) VALUES ($1, $2, $3);

-- name: LockTag :one
SELECT id FROM flow_tags WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: IsGlobalTag :one
SELECT EXISTS (SELECT 1 FROM flow_global_tags WHERE id = $1);

-- name: RenameTag :exec
UPDATE flow_tags SET name = $3 WHERE tenant_id = $1 AND id = $2;

-- name: DeleteTag :exec
-- The tag's links go with it (ON DELETE CASCADE).
DELETE FROM flow_tags WHERE tenant_id = $1 AND id = $2;
