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
INSERT INTO refresh_tokens (tenant_id, id, family_id, parent_id, user_id, token_hash, expires_at, tenant_only)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: GetRefreshToken :one
SELECT user_id, family_id, token_hash, expires_at, used_at, revoked_at, tenant_only
FROM refresh_tokens WHERE tenant_id = $1 AND id = $2;

-- name: UseRefreshToken :execrows
UPDATE refresh_tokens SET used_at = now()
WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL;

-- name: RevokeRefreshFamily :execrows
UPDATE refresh_tokens SET revoked_at = now()
WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL;

-- Members ------------------------------------------------------------------

-- name: ListMembers :many
SELECT m.id, m.user_id, m.role, m.created_at, u.email, u.name
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (m.created_at, m.id) > (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY m.created_at, m.id
LIMIT sqlc.arg(lim);

-- name: GetMember :one
SELECT m.id, m.user_id, m.role, m.created_at, u.email, u.name
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = $1 AND m.id = $2;

-- name: MemberIDOfUser :one
SELECT id FROM memberships WHERE tenant_id = $1 AND user_id = $2;

-- name: MemberByEmail :one
SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = $1 AND lower(u.email) = lower(sqlc.arg(email));

-- name: LockOwners :many
-- Taken before any change of owners, so two concurrent demotions cannot remove the last owner.
SELECT id FROM memberships WHERE tenant_id = $1 AND role = 'owner' ORDER BY id FOR UPDATE;

-- name: SetMemberRole :exec
UPDATE memberships SET role = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2;

-- name: DeleteMember :exec
DELETE FROM memberships WHERE tenant_id = $1 AND id = $2;

-- Invitations --------------------------------------------------------------

-- name: InsertInvitation :exec
INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetInvitation :one
SELECT id, email, role, token_hash, invited_by, expires_at, accepted_at, revoked_at, created_at
FROM invitations WHERE tenant_id = $1 AND id = $2;

-- name: ListInvitations :many
SELECT id, email, role, token_hash, invited_by, expires_at, accepted_at, revoked_at, created_at
FROM invitations
WHERE tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim);

-- name: RevokeInvitation :exec
UPDATE invitations SET revoked_at = now()
WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL;

-- name: AcceptInvitation :execrows
UPDATE invitations SET accepted_at = now()
WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now();

-- Sessions -----------------------------------------------------------------

-- name: SessionRole :one
-- The member's current role while the session (the refresh-token family an access token names) is
-- live and the tenant active; no row once the membership, the session or the tenant has ended.
SELECT m.role FROM memberships m
JOIN tenants t ON t.id = m.tenant_id AND t.status = 'active'
WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.user_id = sqlc.arg(user_id)
  AND EXISTS (SELECT 1 FROM refresh_tokens r
              WHERE r.tenant_id = sqlc.arg(tenant_id) AND r.family_id = sqlc.arg(family_id)
                AND r.user_id = sqlc.arg(user_id) AND r.revoked_at IS NULL);

-- name: RevokeInvitationsBy :execrows
-- Revokes the pending invitations a member sent that they could no longer send: all of them when
-- keep_up_to is NULL (they left, or can no longer invite), else those above the role keep_up_to.
UPDATE invitations SET revoked_at = now()
WHERE tenant_id = sqlc.arg(tenant_id) AND invited_by = sqlc.arg(invited_by)
  AND accepted_at IS NULL AND revoked_at IS NULL
  AND (sqlc.narg(keep_up_to)::text IS NULL
       OR array_position(ARRAY['viewer', 'operator', 'admin', 'owner'], role)
          > array_position(ARRAY['viewer', 'operator', 'admin', 'owner'], sqlc.narg(keep_up_to)::text));
