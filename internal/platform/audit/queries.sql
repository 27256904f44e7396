-- name: InsertEvent :exec
INSERT INTO audit_events (tenant_id, id, principal_kind, actor_id, action, target_type, target_id, outcome, request_id, ip, details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: InsertSecurityEvent :exec
-- An event whose sample (sample_key) already has its row this minute is dropped.
INSERT INTO security_events (id, action, user_id, outcome, request_id, ip, details, sample_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING;

-- name: ListEvents :many
SELECT id, occurred_at, principal_kind, actor_id, action, target_type, target_id, outcome, request_id, ip, details
FROM audit_events
WHERE tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(action)::text IS NULL OR action = sqlc.narg(action)::text)
  AND (sqlc.narg(actor)::text IS NULL OR actor_id = sqlc.narg(actor)::text)
  AND (sqlc.narg(target_type)::text IS NULL OR target_type = sqlc.narg(target_type)::text)
  AND (sqlc.narg(target_id)::text IS NULL OR target_id = sqlc.narg(target_id)::text)
  AND (sqlc.narg(request_id)::text IS NULL OR request_id = sqlc.narg(request_id)::text)
  AND (sqlc.narg(since)::timestamptz IS NULL OR occurred_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR occurred_at < sqlc.narg(until)::timestamptz)
  AND (sqlc.narg(after_at)::timestamptz IS NULL
       OR (occurred_at, id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY occurred_at DESC, id DESC
LIMIT sqlc.arg(lim);
