-- name: InsertMessage :exec
INSERT INTO outbox_messages (tenant_id, id, recipient, subject, body) VALUES ($1, $2, $3, $4, $5);

-- name: PendingMessage :one
-- The message to deliver, unless it was sent or given up.
SELECT recipient, subject, body FROM outbox_messages
WHERE tenant_id = $1 AND id = $2 AND sent_at IS NULL AND dead_at IS NULL;

-- name: MarkSent :exec
UPDATE outbox_messages SET sent_at = now(), body = '' WHERE tenant_id = $1 AND id = $2;

-- name: MarkFailed :exec
-- A failed attempt; dead when it was the last one (the message is kept, unsent, for an operator).
UPDATE outbox_messages
SET attempts = attempts + 1, last_error = sqlc.arg(last_error),
    dead_at = CASE WHEN sqlc.arg(dead)::boolean THEN now() END
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);
