-- Tenant lifecycle: the tenant's own row, in its own scope (RLS on tenants compares id with the
-- tenant setting).

-- name: UpdateTenant :one
UPDATE tenants SET name = coalesce(sqlc.narg(name)::text, name), slug = coalesce(sqlc.narg(slug)::text, slug), updated_at = now()
WHERE id = sqlc.arg(id)
RETURNING id, name, slug, status, created_at;
