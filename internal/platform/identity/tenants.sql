-- Tenant lifecycle: the tenant's own row, in its own scope (RLS on tenants compares id with the
-- tenant setting).

-- name: UpdateTenant :one
UPDATE tenants SET name = coalesce(sqlc.narg(name)::text, name), slug = coalesce(sqlc.narg(slug)::text, slug), updated_at = now()
WHERE id = sqlc.arg(id)
RETURNING id, name, slug, status, created_at;

-- name: MarkTenantDeleted :execrows
-- Deletes the tenant when confirm_slug is its slug and it is active; no row otherwise. The row and
-- its slug stay until the verifiable deletion purges the tenant.
UPDATE tenants SET status = 'deleted', deleted_at = now(), updated_at = now()
WHERE id = sqlc.arg(id) AND slug = sqlc.arg(confirm_slug) AND status = 'active';

-- name: RevokeTenantRefreshTokens :execrows
-- Ends every session of the tenant (each revoked row announces itself on tenantry_sessions).
UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND revoked_at IS NULL;

-- name: RevokeTenantInvitations :execrows
UPDATE invitations SET revoked_at = now()
WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL;
