-- Flow categories (categories.go): the global catalogue (read-only to tenants) next to the tenant's
-- own categories. Counts of flows cover the caller's tenant only, and only the flows the caller can
-- see (the visibility predicate of GetFlow).

-- name: ListCategories :many
SELECT x.id, x.name, x.sort, x.global FROM (
    SELECT c.id, c.name, c.sort, false AS global FROM flow_categories c WHERE c.tenant_id = sqlc.arg(tenant_id)
    UNION ALL
    SELECT g.id, g.name, g.sort, true AS global FROM flow_global_categories g
) x
WHERE (sqlc.narg(q)::text IS NULL OR strpos(lower(x.name), lower(sqlc.narg(q)::text)) > 0)
  AND (sqlc.narg(after_sort)::integer IS NULL
       OR (x.sort, x.name, x.id) > (sqlc.narg(after_sort)::integer, sqlc.narg(after_name)::text, sqlc.narg(after_id)::uuid))
ORDER BY x.sort, x.name, x.id
LIMIT sqlc.arg(lim);

-- name: GetCategory :one
SELECT x.id, x.name, x.sort, x.global FROM (
    SELECT c.id, c.name, c.sort, false AS global FROM flow_categories c WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id)
    UNION ALL
    SELECT g.id, g.name, g.sort, true AS global FROM flow_global_categories g WHERE g.id = sqlc.arg(id)
) x
LIMIT 1;

-- name: CountCategoryFlows :one
SELECT count(*) FROM flows f
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.deleted_at IS NULL
  AND (f.category_id = sqlc.arg(id)::uuid OR f.global_category_id = sqlc.arg(id)::uuid)
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(user_id)
       OR (f.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id
           AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(user_id))));

-- name: InsertCategory :exec
INSERT INTO flow_categories (tenant_id, id, name, sort) VALUES ($1, $2, $3, $4);

-- name: LockCategory :one
SELECT id FROM flow_categories WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: IsGlobalCategory :one
SELECT EXISTS (SELECT 1 FROM flow_global_categories WHERE id = $1);

-- name: UpdateCategory :exec
UPDATE flow_categories SET name = coalesce(sqlc.narg(name), name), sort = coalesce(sqlc.narg(sort), sort), updated_at = now()
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: DeleteCategory :exec
-- Flows of the category keep existing without one (ON DELETE SET NULL (category_id)).
DELETE FROM flow_categories WHERE tenant_id = $1 AND id = $2;
