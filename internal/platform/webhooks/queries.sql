-- name: SubscribedEndpoints :many
-- The enabled endpoints of the tenant that subscribe to an event type.
SELECT id FROM webhook_endpoints
WHERE tenant_id = $1 AND disabled_at IS NULL AND sqlc.arg(event_type)::text = ANY (event_types)
ORDER BY id;

-- name: InsertDelivery :exec
INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, body, replay_of)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: InsertEndpoint :one
INSERT INTO webhook_endpoints (tenant_id, id, url, description, event_types, secret_sealed)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, url, description, event_types, consecutive_failures, disabled_at, disabled_reason, created_at, updated_at;

-- name: ListEndpoints :many
SELECT id, url, description, event_types, consecutive_failures, disabled_at, disabled_reason, created_at, updated_at
FROM webhook_endpoints
WHERE tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim);

-- name: GetEndpoint :one
SELECT id, url, description, event_types, consecutive_failures, disabled_at, disabled_reason, created_at, updated_at
FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2;

-- name: UpdateEndpoint :one
-- Changes what is given; enabled = true re-enables a disabled endpoint (and forgets its failures),
-- enabled = false disables it.
UPDATE webhook_endpoints SET
    url = coalesce(sqlc.narg(url)::text, url),
    description = coalesce(sqlc.narg(description)::text, description),
    event_types = coalesce(sqlc.narg(event_types)::text[], event_types),
    disabled_at = CASE WHEN sqlc.narg(enabled)::boolean IS NULL THEN disabled_at
                       WHEN sqlc.narg(enabled)::boolean THEN NULL
                       ELSE coalesce(disabled_at, now()) END,
    disabled_reason = CASE WHEN sqlc.narg(enabled)::boolean IS NULL THEN disabled_reason
                           WHEN sqlc.narg(enabled)::boolean THEN ''
                           WHEN disabled_at IS NULL THEN 'disabled by a member'
                           ELSE disabled_reason END,
    consecutive_failures = CASE WHEN sqlc.narg(enabled)::boolean THEN 0 ELSE consecutive_failures END,
    updated_at = now()
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id)
RETURNING id, url, description, event_types, consecutive_failures, disabled_at, disabled_reason, created_at, updated_at;

-- name: DeleteEndpoint :execrows
DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2;

-- name: SetEndpointSecret :execrows
UPDATE webhook_endpoints SET secret_sealed = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2;

-- name: ListDeliveries :many
SELECT id, endpoint_id, event_id, event_type, status, attempts, response_status, duration_ms, last_error,
       next_attempt_at, replay_of, created_at, completed_at
FROM webhook_deliveries
WHERE tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(endpoint_id)::uuid IS NULL OR endpoint_id = sqlc.narg(endpoint_id)::uuid)
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(event_type)::text IS NULL OR event_type = sqlc.narg(event_type)::text)
  AND (sqlc.narg(after_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim);

-- name: GetDelivery :one
SELECT id, endpoint_id, event_id, event_type, body, status, attempts, response_status, duration_ms, last_error,
       next_attempt_at, replay_of, created_at, completed_at
FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2;

-- name: PendingDelivery :one
-- A delivery to attempt, with its endpoint's URL, sealed secret and state.
SELECT d.event_id, d.event_type, d.body, d.endpoint_id, e.url, e.secret_sealed, e.disabled_at
FROM webhook_deliveries d
JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
WHERE d.tenant_id = $1 AND d.id = $2 AND d.status = 'pending';

-- name: EndpointSecret :one
SELECT secret_sealed FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2;

-- name: RecordAttempt :exec
-- One attempt's outcome: succeeded, failed for good (dead), or failed and retried at next_attempt_at.
UPDATE webhook_deliveries SET
    attempts = attempts + 1,
    response_status = sqlc.narg(response_status),
    duration_ms = sqlc.arg(duration_ms),
    last_error = sqlc.arg(last_error),
    status = sqlc.arg(status),
    next_attempt_at = sqlc.narg(next_attempt_at),
    completed_at = CASE WHEN sqlc.arg(status) = 'pending' THEN NULL ELSE now() END
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: EndpointSucceeded :exec
UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE tenant_id = $1 AND id = $2 AND consecutive_failures <> 0;

-- name: EndpointFailed :one
-- Counts a failed attempt; the endpoint is disabled when the count reaches the limit. Returns
-- whether this call disabled it.
UPDATE webhook_endpoints SET
    consecutive_failures = consecutive_failures + 1,
    disabled_at = CASE WHEN disabled_at IS NULL AND consecutive_failures + 1 >= sqlc.arg(disable_after)::integer
                       THEN now() ELSE disabled_at END,
    disabled_reason = CASE WHEN disabled_at IS NULL AND consecutive_failures + 1 >= sqlc.arg(disable_after)::integer
                           THEN 'disabled after ' || (consecutive_failures + 1) || ' consecutive failed attempts' ELSE disabled_reason END
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id)
RETURNING (disabled_at IS NOT NULL AND consecutive_failures = sqlc.arg(disable_after)::integer)::boolean AS disabled_now;
