-- Identity's fixed queries. Each runs on a postgres.Querier bound to a scope; every statement on a
-- tenant table carries its tenant_id predicate (RLS enforces the same thing underneath).

-- name: InsertTenant :exec
INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3);

-- name: GetTenant :one
SELECT id, name, slug, status, created_at FROM tenants WHERE id = $1;

-- name: InsertUser :exec
INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4);

-- name: GetUser :one
SELECT id, email, name, status, created_at FROM users WHERE id = $1;

-- name: InsertMembership :exec
INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, $4);

-- name: MemberRole :one
SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2;

-- name: InsertRefreshToken :exec
INSERT INTO refresh_tokens (tenant_id, id, family_id, parent_id, user_id, token_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetRefreshToken :one
SELECT user_id, family_id, token_hash, expires_at, used_at, revoked_at
FROM refresh_tokens WHERE tenant_id = $1 AND id = $2;

-- name: UseRefreshToken :execrows
UPDATE refresh_tokens SET used_at = now()
WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL;

-- name: RevokeRefreshFamily :execrows
UPDATE refresh_tokens SET revoked_at = now()
WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL;
