-- Displays: the tenant's display policy and ChirpStack settings, each display's outbox row
-- (docs/parking.md, "Displays"). Every statement carries its alias.tenant_id = $n predicate.

-- name: GetDisplaySettings :one
SELECT ds.colour_free, ds.colour_occupied, ds.colour_reserved, ds.colour_maintenance, ds.reserved_soon_minutes,
       coalesce(to_char(ds.quiet_start, 'HH24:MI'), '')::text AS quiet_start, coalesce(to_char(ds.quiet_end, 'HH24:MI'), '')::text AS quiet_end,
       ds.quiet_brightness, ds.chirpstack_url, (ds.chirpstack_token IS NOT NULL)::bool AS has_chirpstack_token, ds.updated_at
FROM display_settings ds WHERE ds.tenant_id = $1;

-- name: UpsertDisplayPolicy :exec
INSERT INTO display_settings AS ds (tenant_id, colour_free, colour_occupied, colour_reserved, colour_maintenance, reserved_soon_minutes,
    quiet_start, quiet_end, quiet_brightness)
VALUES (sqlc.arg(tenant_id), sqlc.arg(colour_free), sqlc.arg(colour_occupied), sqlc.arg(colour_reserved), sqlc.arg(colour_maintenance),
    sqlc.arg(reserved_soon_minutes), sqlc.narg(quiet_start)::text::time, sqlc.narg(quiet_end)::text::time, sqlc.arg(quiet_brightness))
ON CONFLICT (tenant_id) DO UPDATE SET
    colour_free = EXCLUDED.colour_free, colour_occupied = EXCLUDED.colour_occupied, colour_reserved = EXCLUDED.colour_reserved,
    colour_maintenance = EXCLUDED.colour_maintenance, reserved_soon_minutes = EXCLUDED.reserved_soon_minutes,
    quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end, quiet_brightness = EXCLUDED.quiet_brightness, updated_at = now();

-- name: UpsertChirpStack :exec
-- A nil token keeps the stored one (the token is write-only); clear removes it.
INSERT INTO display_settings AS ds (tenant_id, chirpstack_url, chirpstack_token)
VALUES (sqlc.arg(tenant_id), sqlc.narg(url), sqlc.narg(token))
ON CONFLICT (tenant_id) DO UPDATE SET
    chirpstack_url = EXCLUDED.chirpstack_url,
    chirpstack_token = CASE WHEN sqlc.arg(clear)::bool THEN NULL ELSE coalesce(EXCLUDED.chirpstack_token, ds.chirpstack_token) END,
    updated_at = now();

-- name: InsertDisplay :exec
INSERT INTO displays (tenant_id, device_id, format) VALUES ($1, $2, $3);

-- name: SetDisplayFormat :exec
INSERT INTO displays AS x (tenant_id, device_id, format) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id, device_id) DO UPDATE SET format = EXCLUDED.format, updated_at = now();

-- name: QueueDisplayDownlinks :many
-- The active displays on a space (or the one display given) want the space's derived state now:
-- their generation goes up by one, and the caller inserts one delivery job per row returned.
INSERT INTO displays AS x (tenant_id, device_id, generation, desired_state, desired_at)
SELECT d.tenant_id, d.id, 1, v.state, now()
FROM devices d
JOIN v_spaces v ON v.tenant_id = d.tenant_id AND v.id = d.space_id
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.kind = 'display' AND d.status = 'active'
  AND (sqlc.narg(space_id)::uuid IS NULL OR d.space_id = sqlc.narg(space_id)::uuid)
  AND (sqlc.narg(device_id)::uuid IS NULL OR d.id = sqlc.narg(device_id)::uuid)
ON CONFLICT (tenant_id, device_id) DO UPDATE SET generation = x.generation + 1, desired_state = EXCLUDED.desired_state,
    desired_at = EXCLUDED.desired_at, dead_at = NULL, attempts = 0, updated_at = now()
RETURNING x.device_id, x.generation;

-- name: GetDisplay :one
SELECT d.id, d.dev_eui, d.name, d.status, d.space_id, d.created_at, d.updated_at,
       coalesce(x.format, 'tnr-rgb')::text AS format, coalesce(x.generation, 0)::bigint AS generation, x.desired_state,
       coalesce(x.sent_generation, 0)::bigint AS sent_generation, x.sent_state, x.sent_at, x.queue_item_id, x.f_cnt_down,
       x.transmitted_at, x.acknowledged, x.acked_at, coalesce(x.attempts, 0)::int AS attempts, x.last_error, x.dead_at,
       v.state AS current_state
FROM devices d
LEFT JOIN displays x ON x.tenant_id = d.tenant_id AND x.device_id = d.id
LEFT JOIN v_spaces v ON v.tenant_id = d.tenant_id AND v.id = d.space_id
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = sqlc.arg(id) AND d.kind = 'display';

-- name: ListDisplays :many
SELECT d.id, d.dev_eui, d.name, d.status, d.space_id, d.created_at, d.updated_at,
       coalesce(x.format, 'tnr-rgb')::text AS format, coalesce(x.generation, 0)::bigint AS generation, x.desired_state,
       coalesce(x.sent_generation, 0)::bigint AS sent_generation, x.sent_state, x.sent_at, x.queue_item_id, x.f_cnt_down,
       x.transmitted_at, x.acknowledged, x.acked_at, coalesce(x.attempts, 0)::int AS attempts, x.last_error, x.dead_at,
       v.state AS current_state
FROM devices d
LEFT JOIN displays x ON x.tenant_id = d.tenant_id AND x.device_id = d.id
LEFT JOIN v_spaces v ON v.tenant_id = d.tenant_id AND v.id = d.space_id
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.kind = 'display' AND d.status <> 'decommissioned'
  AND (NOT sqlc.arg(dead_only)::bool OR x.dead_at IS NOT NULL)
  AND (sqlc.narg(after_eui)::text IS NULL OR (d.dev_eui, d.id) > (sqlc.narg(after_eui)::text, sqlc.narg(after_id)::uuid))
ORDER BY d.dev_eui, d.id
LIMIT sqlc.arg(lim);

-- name: DisplayForSend :one
-- What a delivery job needs: the display's wanted state, its device and format, the policy, the
-- ChirpStack settings, the site's timezone and whether a reservation of the space starts within the policy's threshold.
SELECT x.generation, x.sent_generation, x.desired_state, x.format, d.dev_eui, d.status, d.space_id,
       coalesce(si.timezone, 'UTC')::text AS timezone,
       EXISTS (SELECT 1 FROM reservations r WHERE r.tenant_id = x.tenant_id AND r.space_id = d.space_id
            AND r.status IN ('pending', 'confirmed') AND r.starts_at > now()
            AND r.starts_at <= now() + make_interval(mins => sqlc.arg(reserved_soon_minutes)::int))::bool AS reserved_soon
FROM displays x
JOIN devices d ON d.tenant_id = x.tenant_id AND d.id = x.device_id
LEFT JOIN spaces sp ON sp.tenant_id = d.tenant_id AND sp.id = d.space_id
LEFT JOIN sites si ON si.tenant_id = sp.tenant_id AND si.id = sp.site_id
WHERE x.tenant_id = sqlc.arg(tenant_id) AND x.device_id = sqlc.arg(device_id);

-- name: ChirpStackToken :one
SELECT ds.chirpstack_url, ds.chirpstack_token FROM display_settings ds WHERE ds.tenant_id = $1;

-- name: MarkDisplaySent :exec
UPDATE displays x SET sent_generation = sqlc.arg(generation), sent_state = sqlc.arg(state), sent_payload = sqlc.arg(payload),
    sent_blink = sqlc.arg(blink), sent_brightness = sqlc.arg(brightness), sent_at = now(), queue_item_id = sqlc.narg(queue_item_id), f_cnt_down = sqlc.narg(f_cnt_down), transmitted_at = NULL,
    acknowledged = NULL, acked_at = NULL, attempts = 0, last_error = NULL, dead_at = NULL, updated_at = now()
WHERE x.tenant_id = sqlc.arg(tenant_id) AND x.device_id = sqlc.arg(device_id) AND x.sent_generation < sqlc.arg(generation);

-- name: MarkDisplayFailed :exec
-- A failed attempt of the latest generation; on the last attempt the display is a dead letter.
UPDATE displays x SET attempts = x.attempts + 1, last_error = sqlc.arg(last_error),
    dead_at = CASE WHEN sqlc.arg(dead)::bool THEN now() ELSE x.dead_at END, updated_at = now()
WHERE x.tenant_id = sqlc.arg(tenant_id) AND x.device_id = sqlc.arg(device_id) AND x.generation = sqlc.arg(generation);

-- name: AckDisplayDownlink :execrows
-- ChirpStack's ack event (acknowledged set) or txack event (acknowledged NULL) for a queue item.
UPDATE displays x SET
    acknowledged = coalesce(sqlc.narg(acknowledged), x.acknowledged),
    acked_at = CASE WHEN sqlc.narg(acknowledged)::bool IS NULL THEN x.acked_at ELSE now() END,
    transmitted_at = coalesce(x.transmitted_at, now()),
    f_cnt_down = coalesce(sqlc.narg(f_cnt_down), x.f_cnt_down), updated_at = now()
WHERE x.tenant_id = sqlc.arg(tenant_id) AND x.device_id = sqlc.arg(device_id) AND x.queue_item_id = sqlc.arg(queue_item_id);

-- name: DisplaysToRefresh :many
-- The active displays that show their space's latest state (nothing pending, no dead letter),
-- with how they were last sent to look, the site's timezone and whether a reservation of the
-- space starts within the policy's threshold: the refresh sweep sends again those whose look the
-- clock has changed (reserved soon, quiet hours).
SELECT x.device_id, x.sent_state, x.sent_blink, x.sent_brightness, coalesce(si.timezone, 'UTC')::text AS timezone,
       EXISTS (SELECT 1 FROM reservations r WHERE r.tenant_id = x.tenant_id AND r.space_id = d.space_id
            AND r.status IN ('pending', 'confirmed') AND r.starts_at > now()
            AND r.starts_at <= now() + make_interval(mins => sqlc.arg(reserved_soon_minutes)::int))::bool AS reserved_soon
FROM displays x
JOIN devices d ON d.tenant_id = x.tenant_id AND d.id = x.device_id
JOIN spaces sp ON sp.tenant_id = d.tenant_id AND sp.id = d.space_id
LEFT JOIN sites si ON si.tenant_id = sp.tenant_id AND si.id = sp.site_id
WHERE x.tenant_id = sqlc.arg(tenant_id) AND d.kind = 'display' AND d.status = 'active'
  AND x.generation = x.sent_generation AND x.sent_generation > 0 AND x.sent_state IS NOT NULL AND x.dead_at IS NULL
ORDER BY x.device_id
LIMIT 10000;
