-- name: UpsertOrphan :exec
INSERT INTO orphan_devices (tenant_id, id, dev_eui, device_name, device_profile, last_event, last_rssi, last_snr, last_gateway, sample_payload)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (tenant_id, dev_eui) DO UPDATE SET
    device_name = EXCLUDED.device_name, device_profile = EXCLUDED.device_profile,
    last_seen_at = now(), uplink_count = orphan_devices.uplink_count + 1, last_event = EXCLUDED.last_event,
    last_rssi = coalesce(EXCLUDED.last_rssi, orphan_devices.last_rssi), last_snr = coalesce(EXCLUDED.last_snr, orphan_devices.last_snr),
    last_gateway = coalesce(EXCLUDED.last_gateway, orphan_devices.last_gateway), sample_payload = EXCLUDED.sample_payload;

-- name: ListOrphans :many
SELECT o.id, o.dev_eui, o.device_name, o.device_profile, o.first_seen_at, o.last_seen_at, o.uplink_count, o.last_event,
       o.last_rssi, o.last_snr, o.last_gateway, o.sample_payload
FROM orphan_devices o
WHERE o.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_seen)::timestamptz IS NULL OR (o.last_seen_at, o.id) < (sqlc.narg(after_seen)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY o.last_seen_at DESC, o.id DESC
LIMIT sqlc.arg(lim);

-- name: LockOrphan :one
SELECT o.dev_eui, o.device_name FROM orphan_devices o WHERE o.tenant_id = $1 AND o.id = $2 FOR UPDATE;

-- name: DeleteOrphan :execrows
DELETE FROM orphan_devices o WHERE o.tenant_id = $1 AND o.id = $2;

-- name: DeleteOrphanByEUI :exec
DELETE FROM orphan_devices o WHERE o.tenant_id = $1 AND o.dev_eui = $2;
