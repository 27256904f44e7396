-- AI sessions (owner-only: every query names the owner in the query), their messages, and the
-- tenant's AI settings.

-- name: InsertAISession :exec
INSERT INTO ai_sessions (tenant_id, id, user_id, mode, problem_summary, ticket, last_activity_at, expires_at, created_at, updated_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(mode), sqlc.arg(problem_summary), sqlc.arg(ticket),
        sqlc.arg(now), sqlc.arg(expires_at), sqlc.arg(now), sqlc.arg(now));

-- name: GetAISession :one
-- A session of the caller; anything else is no row.
SELECT * FROM ai_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id) AND s.user_id = sqlc.arg(me)::uuid;

-- name: LockAISession :one
-- GetAISession, locking the row for the transaction (concurrent changes take turns).
SELECT * FROM ai_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id) AND s.user_id = sqlc.arg(me)::uuid
FOR UPDATE;

-- name: ListAISessions :many
-- The caller's own sessions, newest first, optionally in one status or matching q (a part of the
-- problem, the resolution note or any message, case-insensitive). Only the caller's: the seed's
-- search OR-ed the user and the tenant and so found a colleague's sessions.
SELECT s.* FROM ai_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.user_id = sqlc.arg(me)::uuid
  AND (sqlc.narg(status)::text IS NULL OR s.status = sqlc.narg(status)::text)
  AND (sqlc.narg(q)::text IS NULL
       OR strpos(lower(s.problem_summary || ' ' || s.resolution_note), lower(sqlc.narg(q)::text)) > 0
       OR EXISTS (SELECT 1 FROM ai_messages m WHERE m.tenant_id = s.tenant_id AND m.session_id = s.id
                  AND strpos(lower(m.content), lower(sqlc.narg(q)::text)) > 0))
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (s.created_at, s.id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY s.created_at DESC, s.id DESC
LIMIT sqlc.arg(lim);

-- name: UpdateAISession :exec
UPDATE ai_sessions s
SET status = sqlc.arg(status), problem_summary = sqlc.arg(problem_summary), ticket = sqlc.arg(ticket),
    resolution_note = sqlc.arg(resolution_note), resolved_at = sqlc.narg(resolved_at), updated_at = sqlc.arg(now)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id) AND s.user_id = sqlc.arg(me)::uuid;

-- name: EscalateAISession :exec
-- Hands the session to another member: the one sanctioned change of owner.
UPDATE ai_sessions s
SET user_id = sqlc.arg(to_user)::uuid, escalated_from = sqlc.arg(me)::uuid, status = 'escalated',
    escalation_note = sqlc.arg(note), escalated_at = sqlc.arg(now)::timestamptz, updated_at = sqlc.arg(now)::timestamptz
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id) AND s.user_id = sqlc.arg(me)::uuid;

-- name: TouchAISession :exec
-- Counts the messages added and moves the idle period on; a paused session is active again.
UPDATE ai_sessions s
SET status = CASE WHEN s.status = 'paused' THEN 'active' ELSE s.status END, message_count = s.message_count + sqlc.arg(added)::integer, last_activity_at = sqlc.arg(now),
    expires_at = sqlc.arg(expires_at), updated_at = sqlc.arg(now)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id) AND s.user_id = sqlc.arg(me)::uuid;

-- name: InsertAIMessage :exec
INSERT INTO ai_messages (tenant_id, id, session_id, role, content, complete, created_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(session_id), sqlc.arg(role), sqlc.arg(content), sqlc.arg(complete),
        sqlc.arg(now));

-- name: ListAIMessages :many
-- The messages of a session, oldest first. The caller has read the session (owner in the query)
-- in the same transaction.
SELECT m.id, m.role, m.content, m.complete, m.created_at FROM ai_messages m
WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.session_id = sqlc.arg(session_id)
ORDER BY m.created_at, m.id
LIMIT 1000;

-- name: AIMatchingFlows :many
-- The caller's visible, published flows whose title or description matches any of the words of q:
-- what the local provider points a technician at.
SELECT f.id, f.title, f.description FROM flows f
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.deleted_at IS NULL AND f.current_version IS NOT NULL
  AND (f.visibility = 'account' OR f.author_id = sqlc.arg(me)::uuid
       OR (f.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.tenant_id = f.tenant_id
           AND tm.team_id = f.team_id AND tm.user_id = sqlc.arg(me)::uuid)))
  AND to_tsvector('simple', f.title || ' ' || f.description) @@ to_tsquery('simple', sqlc.arg(words)::text)
ORDER BY f.usage_count DESC, f.title, f.id
LIMIT 5;

-- name: GetAISettings :one
SELECT chat_retention_days FROM ai_settings WHERE tenant_id = $1;

-- name: UpsertAISettings :one
INSERT INTO ai_settings (tenant_id, chat_retention_days) VALUES ($1, $2)
ON CONFLICT (tenant_id) DO UPDATE SET chat_retention_days = EXCLUDED.chat_retention_days, updated_at = now()
RETURNING chat_retention_days;

-- name: ExpireAISession :one
-- The conversation expiry: an active or paused session of the tenant past its expiry becomes
-- abandoned; no row when it is not (a message moved its expiry on, or it already ended).
UPDATE ai_sessions s  -- tenantlint:all-owners the expiry job works on every owner's sessions of the tenant
SET status = 'abandoned', updated_at = sqlc.arg(now)
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id) AND s.status IN ('active', 'paused')
  AND s.expires_at <= sqlc.arg(now)
RETURNING s.id;

-- name: DeleteOldAISessions :execrows
-- The chat retention: up to lim sessions of the tenant idle since before the cut-off, with their
-- messages (ON DELETE CASCADE).
DELETE FROM ai_sessions s  -- tenantlint:all-owners the retention job works on every owner's sessions of the tenant
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id IN (
    SELECT x.id FROM ai_sessions x  -- tenantlint:all-owners the retention's batch of every owner's sessions
    WHERE x.tenant_id = sqlc.arg(tenant_id) AND x.last_activity_at < sqlc.arg(before)
    ORDER BY x.last_activity_at, x.id LIMIT sqlc.arg(lim));
