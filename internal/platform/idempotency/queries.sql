-- name: TryLock :one
-- Serialises the requests of one key (across instances) until the transaction ends; a request
-- that does not get the lock waits outside any transaction and tries again.
SELECT pg_try_advisory_xact_lock(sqlc.arg(lock)::bigint) AS locked;

-- name: DeleteExpired :exec
-- Keys live 24 hours; each create of the tenant clears the tenant's expired ones.
DELETE FROM idempotency_keys WHERE tenant_id = $1 AND created_at < now() - interval '24 hours';

-- name: GetKey :one
SELECT operation, fingerprint, status, location, content_type, body
FROM idempotency_keys
WHERE tenant_id = $1 AND principal = $2 AND key = $3 AND created_at >= now() - interval '24 hours';

-- name: PutKey :exec
INSERT INTO idempotency_keys (tenant_id, principal, key, operation, fingerprint, status, location, content_type, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (tenant_id, principal, key) DO UPDATE
SET operation = EXCLUDED.operation, fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
    location = EXCLUDED.location, content_type = EXCLUDED.content_type, body = EXCLUDED.body, created_at = now();
