-- name: InsertDedupKey :execrows
-- The de-duplication key goes in first: a replay finds it (after the first delivery commits) and
-- changes nothing.
INSERT INTO ingest_dedup (tenant_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: InsertReading :exec
INSERT INTO readings (tenant_id, id, device_id, space_id, event, measured_at, dedup_key, f_cnt, f_port, occupied,
    battery_level, margin, rssi, snr, gateway_id, data, object)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17);

-- name: ListReadings :many
SELECT r.id, r.device_id, r.space_id, r.event, r.measured_at, r.received_at, r.f_cnt, r.f_port, r.occupied,
       r.battery_level, r.margin, r.rssi, r.snr, r.gateway_id
FROM readings r
WHERE r.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(device_id)::uuid IS NULL OR r.device_id = sqlc.narg(device_id)::uuid)
  AND (sqlc.narg(space_id)::uuid IS NULL OR r.space_id = sqlc.narg(space_id)::uuid)
  AND (sqlc.narg(since)::timestamptz IS NULL OR r.measured_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR r.measured_at < sqlc.narg(until)::timestamptz)
  AND (sqlc.narg(after_at)::timestamptz IS NULL OR (r.measured_at, r.id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY r.measured_at DESC, r.id DESC
LIMIT sqlc.arg(lim);

-- name: SiteStateChanges :many
-- For utilisation: the site's state changes in [since, until) and, per space, the last one before.
SELECT c.space_id, c.occurred_at, c.new_state FROM space_state_changes c
JOIN spaces s ON s.tenant_id = c.tenant_id AND s.id = c.space_id
WHERE c.tenant_id = sqlc.arg(tenant_id) AND s.tenant_id = sqlc.arg(tenant_id) AND s.site_id = sqlc.arg(site_id)
  AND c.occurred_at < sqlc.arg(until)::timestamptz
  AND (c.occurred_at >= sqlc.arg(since)::timestamptz OR c.id = (
      SELECT b.id FROM space_state_changes b
      WHERE b.tenant_id = c.tenant_id AND b.space_id = c.space_id AND b.occurred_at < sqlc.arg(since)::timestamptz
      ORDER BY b.occurred_at DESC, b.id DESC LIMIT 1))
ORDER BY c.space_id, c.occurred_at, c.id
LIMIT 100000;

-- name: SiteSpaceCount :one
SELECT count(*) FROM spaces s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.site_id = sqlc.arg(site_id)
  AND s.created_at < sqlc.arg(until)::timestamptz AND (s.deleted_at IS NULL OR s.deleted_at > sqlc.arg(since)::timestamptz);

-- name: DeleteReadingsBefore :execrows
DELETE FROM readings r WHERE r.tenant_id = $1 AND r.received_at < $2;

-- name: DeleteStateChangesBefore :execrows
DELETE FROM space_state_changes c WHERE c.tenant_id = $1 AND c.occurred_at < $2;

-- name: DeleteDedupKeysBefore :execrows
DELETE FROM ingest_dedup k WHERE k.tenant_id = $1 AND k.received_at < $2;

-- name: StreamChanges :many
-- The live stream: the announced changes (by id) with their space's site, for the subscribers of
-- the tenant.
SELECT c.id, c.space_id, s.site_id, s.code, c.occurred_at, c.previous_state, c.new_state, c.occupancy, c.source
FROM space_state_changes c
JOIN spaces s ON s.tenant_id = c.tenant_id AND s.id = c.space_id
WHERE c.tenant_id = sqlc.arg(tenant_id) AND s.tenant_id = sqlc.arg(tenant_id) AND c.id = ANY(sqlc.arg(ids)::uuid[])
ORDER BY c.id;

-- name: ReplayChanges :many
-- The live stream's resume: a site's changes recorded after the client's last event id (UUIDv7
-- ids sort by the time they were made), oldest first.
SELECT c.id, c.space_id, s.site_id, s.code, c.occurred_at, c.previous_state, c.new_state, c.occupancy, c.source
FROM space_state_changes c
JOIN spaces s ON s.tenant_id = c.tenant_id AND s.id = c.space_id
WHERE c.tenant_id = sqlc.arg(tenant_id) AND s.tenant_id = sqlc.arg(tenant_id) AND s.site_id = sqlc.arg(site_id)
  AND c.id > sqlc.arg(after_id)::uuid
ORDER BY c.id
LIMIT sqlc.arg(lim);
