-- name: InsertKey :exec
INSERT INTO api_keys (tenant_id, id, name, scopes, role_ceiling, created_by, secret_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: KeyForAuth :one
-- The key and its creator's current role, in one statement (one round trip per API-key request);
-- no row once the key's tenant is not active (suspended, deleted).
SELECT k.scopes, k.role_ceiling, k.created_by, k.secret_hash, k.expires_at, k.revoked_at, m.role AS member_role
FROM api_keys k
JOIN memberships m ON m.tenant_id = k.tenant_id AND m.user_id = k.created_by
JOIN tenants t ON t.id = k.tenant_id AND t.status = 'active'
WHERE k.tenant_id = $1 AND k.id = $2;

-- name: RecordKeyUses :exec
-- The last uses of a tenant's keys this instance saw since its last write (keyuse.go), one
-- statement for all of them; a time never moves back.
UPDATE api_keys k SET last_used_at = u.used_at
FROM (SELECT unnest(sqlc.arg(ids)::uuid[]) AS id, unnest(sqlc.arg(used_at)::timestamptz[]) AS used_at) u
WHERE k.tenant_id = sqlc.arg(tenant_id) AND k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.used_at);

-- name: ListKeys :many
SELECT id, name, scopes, role_ceiling, created_by, expires_at, revoked_at, last_used_at, created_at
FROM api_keys
WHERE tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_created)::timestamptz IS NULL OR (created_at, id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim);

-- name: GetKey :one
SELECT id, name, scopes, role_ceiling, created_by, expires_at, revoked_at, last_used_at, created_at
FROM api_keys WHERE tenant_id = $1 AND id = $2;

-- name: RevokeKey :execrows
UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL;
