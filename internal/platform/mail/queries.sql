-- name: InsertMessage :exec
INSERT INTO outbox_messages (tenant_id, id, recipient, subject, body) VALUES ($1, $2, $3, $4, $5);

-- name: LockMessage :one
-- Another instance delivering the same message holds its lock: skip it.
SELECT recipient, subject, body, attempts FROM outbox_messages
WHERE tenant_id = $1 AND id = $2 AND sent_at IS NULL
FOR UPDATE SKIP LOCKED;

-- name: MarkSent :exec
UPDATE outbox_messages SET sent_at = now(), body = '' WHERE tenant_id = $1 AND id = $2;

-- name: MarkFailed :exec
UPDATE outbox_messages
SET attempts = attempts + 1, next_attempt_at = sqlc.arg(next_attempt_at), last_error = sqlc.arg(last_error)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);
