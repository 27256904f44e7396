-- name: OwnSession :one
-- The caller's own session: another user's session, in this tenant or any other, is no row.
SELECT s.id FROM flow_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id) AND s.user_id = sqlc.arg(user_id);

-- name: InsertShare :one
INSERT INTO flow_session_shares (tenant_id, id, session_id, token_hash, name, visibility, created_by, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, session_id, name, visibility, created_at, expires_at, view_count, last_viewed_at;

-- name: ListMyShares :many
-- The caller's shares that are not revoked, newest first (flow_session_shares_mine_idx).
SELECT sh.id, sh.session_id, sh.name, sh.visibility, sh.created_at, sh.expires_at, sh.view_count, sh.last_viewed_at
FROM flow_session_shares sh
WHERE sh.tenant_id = sqlc.arg(tenant_id) AND sh.created_by = sqlc.arg(user_id) AND sh.revoked_at IS NULL
  AND (sqlc.narg(after_at)::timestamptz IS NULL
       OR (sh.created_at, sh.id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY sh.created_at DESC, sh.id DESC
LIMIT sqlc.arg(lim);

-- name: RevokeShare :one
-- Revokes a share the caller created; revoking it again keeps the first revocation time.
UPDATE flow_session_shares sh SET revoked_at = coalesce(sh.revoked_at, now()), updated_at = now()
WHERE sh.tenant_id = sqlc.arg(tenant_id) AND sh.id = sqlc.arg(id) AND sh.created_by = sqlc.arg(user_id)
RETURNING sh.session_id;

-- name: ShareState :one
-- What opening a share checks, in the share's tenant (found by its token hash across tenants).
SELECT sh.session_id, sh.name, sh.visibility, sh.expires_at, sh.revoked_at
FROM flow_session_shares sh  -- tenantlint:all-owners the token holder opens the share: the token lookup found it, not a user
WHERE sh.tenant_id = $1 AND sh.id = $2;

-- name: IsMember :one
-- Whether a user is a member of the tenant (the viewer of an account-only share).
SELECT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = $1 AND m.user_id = $2)::bool AS member;

-- name: CountShareView :one
-- Counts one access, atomically, if the share is still open: concurrent opens each add one.
UPDATE flow_session_shares sh SET view_count = sh.view_count + 1, last_viewed_at = sqlc.arg(at)::timestamptz  -- tenantlint:all-owners the token holder opens the share: the token lookup found it, not a user
WHERE sh.tenant_id = sqlc.arg(tenant_id) AND sh.id = sqlc.arg(id) AND sh.revoked_at IS NULL
  AND (sh.expires_at IS NULL OR sh.expires_at > sqlc.arg(at)::timestamptz)
RETURNING sh.view_count;

-- name: InsertShareView :exec
-- Records one access. viewer_id is a member of the share's tenant or NULL (flow_session_share_views).
INSERT INTO flow_session_share_views (tenant_id, id, share_id, session_id, viewer_id, viewer_ip, user_agent, viewed_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(share_id), sqlc.arg(session_id), sqlc.narg(viewer_id),
        sqlc.narg(viewer_ip), sqlc.narg(user_agent), sqlc.arg(viewed_at));

-- name: SharedSession :one
-- The read-only view of a shared session: from its snapshot and run, never the scratchpad, the
-- variables or the owner. The graph is the snapshot's graph member, or the snapshot itself.
SELECT coalesce(s.snapshot ->> 'title', '')::text AS title,
       coalesce(s.snapshot ->> 'description', '')::text AS description,
       coalesce(s.snapshot -> 'graph', s.snapshot)::jsonb AS graph,
       coalesce(s.run -> 'path', '[]')::jsonb AS path,
       coalesce(s.run -> 'decisions', '[]')::jsonb AS decisions,
       s.custom_steps, s.status, s.outcome, s.started_at, s.completed_at, s.ticket_number, s.client_name
FROM flow_sessions s  -- tenantlint:all-owners the session of a share the token holder opened (ShareState), read-only
WHERE s.tenant_id = $1 AND s.id = $2;
