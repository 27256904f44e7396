-- name: InsertPSAConnection :one
INSERT INTO psa_connections (tenant_id, id, provider, display_name, site_url, company_id, credentials_enc, credentials_hint, active, created_by)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(provider), sqlc.arg(display_name), sqlc.arg(site_url), sqlc.arg(company_id),
        sqlc.arg(credentials_enc), sqlc.arg(credentials_hint), sqlc.arg(active), sqlc.narg(created_by))
RETURNING id, provider, display_name, site_url, company_id, credentials_hint, active, created_at, updated_at;

-- name: ListPSAConnections :many
-- The tenant's connections, newest first; never the sealed credentials.
SELECT c.id, c.provider, c.display_name, c.site_url, c.company_id, c.credentials_hint, c.active, c.created_at, c.updated_at
FROM psa_connections c
WHERE c.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_at)::timestamptz IS NULL
       OR (c.created_at, c.id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY c.created_at DESC, c.id DESC
LIMIT sqlc.arg(lim);

-- name: GetPSAConnection :one
SELECT c.id, c.provider, c.display_name, c.site_url, c.company_id, c.credentials_hint, c.active, c.created_at, c.updated_at
FROM psa_connections c
WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id);

-- name: PSAConnectionSecret :one
-- A connection with its sealed credentials, loaded by (tenant, connection) to call the PSA.
SELECT c.id, c.provider, c.site_url, c.company_id, c.credentials_enc, c.active
FROM psa_connections c
WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id);

-- name: UpdatePSAConnection :one
UPDATE psa_connections c SET
    display_name = coalesce(sqlc.narg(display_name), c.display_name),
    site_url = coalesce(sqlc.narg(site_url), c.site_url),
    company_id = coalesce(sqlc.narg(company_id), c.company_id),
    credentials_enc = coalesce(sqlc.narg(credentials_enc), c.credentials_enc),
    credentials_hint = coalesce(sqlc.narg(credentials_hint), c.credentials_hint),
    active = coalesce(sqlc.narg(active), c.active),
    updated_at = now()
WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id)
RETURNING c.id, c.provider, c.display_name, c.site_url, c.company_id, c.credentials_hint, c.active, c.created_at, c.updated_at;

-- name: DeletePSAConnection :execrows
DELETE FROM psa_connections c WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id);

-- name: ListPSAMemberMappings :many
-- The tenant's member mappings, by connection then user.
SELECT m.connection_id, m.user_id, u.email, m.external_member_id, m.external_name, m.updated_at
FROM psa_member_mappings m
JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(connection_id)::uuid IS NULL OR m.connection_id = sqlc.narg(connection_id)::uuid)
ORDER BY m.connection_id, m.user_id
LIMIT 1000;

-- name: DeletePSAMemberMappings :exec
-- Clears a connection's mappings before PutPSAMemberMapping writes the new set.
DELETE FROM psa_member_mappings m WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.connection_id = sqlc.arg(connection_id);

-- name: PutPSAMemberMapping :exec
INSERT INTO psa_member_mappings (tenant_id, connection_id, user_id, external_member_id, external_name)
VALUES (sqlc.arg(tenant_id), sqlc.arg(connection_id), sqlc.arg(user_id), sqlc.arg(external_member_id), sqlc.arg(external_name));

-- name: CountMembers :one
-- How many of the given users are members of the tenant.
SELECT count(*) FROM memberships m WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.user_id = ANY(sqlc.arg(user_ids)::uuid[]);

-- name: InsertPSAPush :one
INSERT INTO psa_push_outbox (tenant_id, id, connection_id, source_id, ticket_id, format, body, dead_after, created_by)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(connection_id), sqlc.arg(source_id), sqlc.arg(ticket_id), sqlc.arg(format),
        sqlc.arg(body), sqlc.arg(dead_after), sqlc.arg(created_by))
RETURNING id, connection_id, source_type, source_id, ticket_id, format, status, attempts, dead_after, next_attempt_at,
          last_error, external_id, created_by, created_at, sent_at;

-- name: GetMyPSAPush :one
-- One of the caller's pushes: another user's push, in this tenant or any other, is no row.
SELECT p.id, p.connection_id, p.source_type, p.source_id, p.ticket_id, p.format, p.status, p.attempts, p.dead_after, p.next_attempt_at,
       p.last_error, p.external_id, p.created_by, p.created_at, p.sent_at
FROM psa_push_outbox p
WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.id = sqlc.arg(id) AND p.created_by = sqlc.arg(user_id);

-- name: ListMySessionPushes :many
-- The caller's pushes of one session, newest first.
SELECT p.id, p.connection_id, p.source_type, p.source_id, p.ticket_id, p.format, p.status, p.attempts, p.dead_after, p.next_attempt_at,
       p.last_error, p.external_id, p.created_by, p.created_at, p.sent_at
FROM psa_push_outbox p
WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.source_id = sqlc.arg(source_id) AND p.created_by = sqlc.arg(user_id)
  AND (sqlc.narg(after_at)::timestamptz IS NULL
       OR (p.created_at, p.id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY p.created_at DESC, p.id DESC
LIMIT sqlc.arg(lim);

-- name: ListPSAOutbox :many
-- The tenant's outbox for its admins, newest first, optionally by status.
SELECT p.id, p.connection_id, p.source_type, p.source_id, p.ticket_id, p.format, p.status, p.attempts, p.dead_after, p.next_attempt_at,
       p.last_error, p.external_id, p.created_by, p.created_at, p.sent_at
FROM psa_push_outbox p  -- tenantlint:all-owners the tenant's admins watch every member's pushes (operations)
WHERE p.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(status)::text IS NULL OR p.status = sqlc.narg(status)::text)
  AND (sqlc.narg(after_at)::timestamptz IS NULL
       OR (p.created_at, p.id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY p.created_at DESC, p.id DESC
LIMIT sqlc.arg(lim);

-- name: RetryMyPSAPush :one
-- Puts one of the caller's failed or dead pushes back in the queue with a fresh budget of
-- attempts; no row when it is not the caller's, or not failed or dead.
UPDATE psa_push_outbox p SET status = 'pending', next_attempt_at = now(), dead_after = p.attempts + sqlc.arg(budget)::integer
WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.id = sqlc.arg(id) AND p.created_by = sqlc.arg(user_id)
  AND p.status IN ('failed', 'dead')
RETURNING p.id, p.connection_id, p.source_type, p.source_id, p.ticket_id, p.format, p.status, p.attempts, p.dead_after, p.next_attempt_at,
          p.last_error, p.external_id, p.created_by, p.created_at, p.sent_at;

-- name: ClaimPSAPush :one
-- Claims attempt attempts+1 of a push that is due: counts it and leases the push until the attempt
-- ends (next_attempt_at), so that one attempt number is made once, and an attempt whose worker died
-- is made again by the sweep when the lease runs out. The worker acts for the push's creator.
UPDATE psa_push_outbox p SET attempts = p.attempts + 1, next_attempt_at = now() + make_interval(secs => sqlc.arg(lease_seconds)::double precision)
FROM psa_connections c
WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.id = sqlc.arg(id) AND p.attempts = sqlc.arg(attempts)  -- tenantlint:all-owners the delivery worker acts for whoever asked for the push
  AND p.status IN ('pending', 'failed') AND p.next_attempt_at <= now()
  AND c.tenant_id = p.tenant_id AND c.id = p.connection_id
RETURNING p.id, p.connection_id, p.ticket_id, p.body, p.attempts, p.dead_after, c.provider, c.site_url, c.company_id, c.credentials_enc, c.active;

-- name: FinishPSAPush :execrows
-- Records the outcome of the claimed attempt: sent, failed (next attempt at next_attempt_at) or
-- dead. Nothing when another attempt has claimed the push since.
UPDATE psa_push_outbox p SET status = sqlc.arg(status)::text, last_error = sqlc.arg(last_error), external_id = sqlc.arg(external_id),
    next_attempt_at = sqlc.arg(next_attempt_at),
    sent_at = CASE WHEN sqlc.arg(status)::text = 'sent' THEN now() END
WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.id = sqlc.arg(id) AND p.attempts = sqlc.arg(attempts)  -- tenantlint:all-owners the delivery worker acts for whoever asked for the push
  AND p.status IN ('pending', 'failed');

-- name: ActivePSAConnection :one
SELECT c.id FROM psa_connections c WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id) AND c.active;
