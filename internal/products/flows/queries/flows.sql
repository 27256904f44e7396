-- Flows: metadata, visibility, drafts and tag links (flows.go, drafts.go). A flow is visible to the
-- caller when it is live and account-wide, or the caller wrote it, or it is a team flow of a team the
-- caller is in: that predicate is in every query that reads a flow for a caller, never checked
-- after the fetch. in_team says whether the caller is in the flow's team (the edit rule).

-- name: GetFlow :one
SELECT f.id, f.author_id, f.team_id, f.title, f.description, f.kind, f.visibility, f.category_id, f.global_category_id,
       coalesce(c.name, gc.name, '')::text AS category_name, f.current_version, f.parent_flow_id, f.fork_reason,
       f.usage_count, f.draft_updated_at, f.created_at, f.updated_at,
       EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id AND tm.team_id = f.team_id
               AND tm.user_id = sqlc.arg(user_id)) AS in_team
FROM flows f
LEFT JOIN flow_categories c ON c.tenant_id = f.tenant_id AND c.id = f.category_id
LEFT JOIN flow_global_categories gc ON gc.id = f.global_category_id
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.id = sqlc.arg(id) AND f.deleted_at IS NULL
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(user_id)
       OR (f.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id
           AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(user_id))));

-- name: LockFlow :one
-- GetFlow, locking the flow for the transaction: every change of a flow takes it first, so changes
-- (and publications, which number versions) of one flow serialize.
SELECT f.id, f.author_id, f.team_id, f.title, f.description, f.kind, f.visibility, f.category_id, f.global_category_id,
       coalesce(c.name, gc.name, '')::text AS category_name, f.current_version, f.parent_flow_id, f.fork_reason,
       f.usage_count, f.draft_updated_at, f.created_at, f.updated_at,
       EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id AND tm.team_id = f.team_id
               AND tm.user_id = sqlc.arg(user_id)) AS in_team
FROM flows f
LEFT JOIN flow_categories c ON c.tenant_id = f.tenant_id AND c.id = f.category_id
LEFT JOIN flow_global_categories gc ON gc.id = f.global_category_id
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.id = sqlc.arg(id) AND f.deleted_at IS NULL
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(user_id)
       OR (f.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id
           AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(user_id))))
FOR UPDATE OF f;

-- name: ListFlows :many
-- The caller's visible live flows, newest change first, with optional filters. The search matches
-- the words of q (full text, simple configuration) or q as a substring of the title or description;
-- it scans the tenant's live flows only (see the migration on why no search index can serve it).
SELECT f.id, f.author_id, f.team_id, f.title, f.description, f.kind, f.visibility, f.category_id, f.global_category_id,
       coalesce(c.name, gc.name, '')::text AS category_name, f.current_version, f.parent_flow_id, f.fork_reason,
       f.usage_count, f.draft_updated_at, f.created_at, f.updated_at,
       EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id AND tm.team_id = f.team_id
               AND tm.user_id = sqlc.arg(user_id)) AS in_team
FROM flows f
LEFT JOIN flow_categories c ON c.tenant_id = f.tenant_id AND c.id = f.category_id
LEFT JOIN flow_global_categories gc ON gc.id = f.global_category_id
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.deleted_at IS NULL
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(user_id)
       OR (f.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id
           AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(user_id))))
  AND (sqlc.narg(kind)::text IS NULL OR f.kind = sqlc.narg(kind)::text)
  AND (sqlc.narg(visibility)::text IS NULL OR f.visibility = sqlc.narg(visibility)::text)
  AND (sqlc.narg(category)::uuid IS NULL OR f.category_id = sqlc.narg(category)::uuid
       OR f.global_category_id = sqlc.narg(category)::uuid)
  AND (sqlc.narg(tag)::uuid IS NULL
       OR EXISTS (SELECT 1 FROM flow_tag_links tl WHERE tl.tenant_id = f.tenant_id AND tl.flow_id = f.id
                  AND tl.tag_id = sqlc.narg(tag)::uuid)
       OR EXISTS (SELECT 1 FROM flow_global_tag_links gl WHERE gl.tenant_id = f.tenant_id AND gl.flow_id = f.id
                  AND gl.global_tag_id = sqlc.narg(tag)::uuid))
  AND (sqlc.narg(q)::text IS NULL
       OR to_tsvector('simple', f.title || ' ' || f.description) @@ websearch_to_tsquery('simple', sqlc.narg(q)::text)
       OR strpos(lower(f.title || ' ' || f.description), lower(sqlc.narg(q)::text)) > 0)
  AND (sqlc.narg(after_updated)::timestamptz IS NULL
       OR (f.updated_at, f.id) < (sqlc.narg(after_updated)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY f.updated_at DESC, f.id DESC
LIMIT sqlc.arg(lim);

-- name: InsertFlow :exec
INSERT INTO flows (tenant_id, id, author_id, team_id, title, description, kind, visibility, category_id,
                   global_category_id, draft_graph, parent_flow_id, fork_reason)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(author_id), sqlc.narg(team_id), sqlc.arg(title), sqlc.arg(description),
        sqlc.arg(kind), sqlc.arg(visibility), sqlc.narg(category_id), sqlc.narg(global_category_id), sqlc.arg(draft_graph),
        sqlc.narg(parent_flow_id), sqlc.arg(fork_reason));

-- name: UpdateFlow :exec
UPDATE flows SET title = sqlc.arg(title), description = sqlc.arg(description), kind = sqlc.arg(kind),
    category_id = sqlc.narg(category_id), global_category_id = sqlc.narg(global_category_id), updated_at = now()
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: SetFlowVisibility :exec
UPDATE flows SET visibility = sqlc.arg(visibility), team_id = sqlc.narg(team_id), updated_at = now()
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: DeleteFlow :exec
-- Soft delete. A deleted flow lets go of its team, so that the team can be deleted (the flows_team
-- foreign key has no action); visibility falls back to private for the team check constraint.
UPDATE flows SET deleted_at = now(), updated_at = now(), team_id = NULL,
    visibility = CASE WHEN visibility = 'team' THEN 'private' ELSE visibility END
WHERE tenant_id = $1 AND id = $2;

-- name: GetDraft :one
SELECT draft_graph, draft_updated_at FROM flows WHERE tenant_id = $1 AND id = $2;

-- name: SaveDraft :one
UPDATE flows SET draft_graph = $3, draft_updated_at = now(), updated_at = now()
WHERE tenant_id = $1 AND id = $2
RETURNING draft_updated_at;

-- name: IsTeamMember :one
SELECT EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = $1 AND tm.team_id = $2 AND tm.user_id = $3);

-- name: FlowTags :many
-- The tags of some flows, tenant and global, by name.
SELECT x.flow_id, x.id, x.name, x.global FROM (
    SELECT tl.flow_id, t.id, t.name, false AS global
    FROM flow_tag_links tl JOIN flow_tags t ON t.tenant_id = tl.tenant_id AND t.id = tl.tag_id
    WHERE tl.tenant_id = sqlc.arg(tenant_id) AND tl.flow_id = ANY(sqlc.arg(flow_ids)::uuid[])
    UNION ALL
    SELECT gl.flow_id, g.id, g.name, true AS global
    FROM flow_global_tag_links gl JOIN flow_global_tags g ON g.id = gl.global_tag_id
    WHERE gl.tenant_id = sqlc.arg(tenant_id) AND gl.flow_id = ANY(sqlc.arg(flow_ids)::uuid[])
) x
ORDER BY x.name, x.id;

-- name: ResolveTags :many
-- Which of ids are the tenant's tags and which global ones; unknown ids are left out.
SELECT t.id, false AS global FROM flow_tags t WHERE t.tenant_id = sqlc.arg(tenant_id) AND t.id = ANY(sqlc.arg(ids)::uuid[])
UNION ALL
SELECT g.id, true AS global FROM flow_global_tags g WHERE g.id = ANY(sqlc.arg(ids)::uuid[]);

-- name: ResolveCategory :one
-- Whether id is a category of the tenant (false) or a global one (true); no row when neither.
SELECT false AS global FROM flow_categories c WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id)
UNION ALL
SELECT true AS global FROM flow_global_categories g WHERE g.id = sqlc.arg(id);

-- name: InsertTagLinks :exec
INSERT INTO flow_tag_links (tenant_id, flow_id, tag_id)
SELECT sqlc.arg(tenant_id)::uuid, sqlc.arg(flow_id)::uuid, unnest(sqlc.arg(tag_ids)::uuid[]);

-- name: InsertGlobalTagLinks :exec
INSERT INTO flow_global_tag_links (tenant_id, flow_id, global_tag_id)
SELECT sqlc.arg(tenant_id)::uuid, sqlc.arg(flow_id)::uuid, unnest(sqlc.arg(tag_ids)::uuid[]);

-- name: DeleteTagLinks :exec
DELETE FROM flow_tag_links WHERE tenant_id = $1 AND flow_id = $2;

-- name: DeleteGlobalTagLinks :exec
DELETE FROM flow_global_tag_links WHERE tenant_id = $1 AND flow_id = $2;
