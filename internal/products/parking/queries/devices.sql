-- name: InsertDevice :exec
INSERT INTO devices (tenant_id, id, dev_eui, kind, name, model, payload_format, status, space_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: GetDevice :one
SELECT d.id, d.dev_eui, d.kind, d.name, d.model, d.payload_format, d.status, d.space_id, d.last_seen_at, d.last_rssi,
       d.last_snr, d.last_gateway, d.battery_level, d.margin, d.external_power, d.created_at, d.updated_at
FROM devices d WHERE d.tenant_id = $1 AND d.id = $2;

-- name: LockDevice :one
SELECT d.kind, d.status, d.space_id FROM devices d WHERE d.tenant_id = $1 AND d.id = $2 FOR UPDATE;

-- name: ListDevices :many
SELECT d.id, d.dev_eui, d.kind, d.name, d.model, d.payload_format, d.status, d.space_id, d.last_seen_at, d.last_rssi,
       d.last_snr, d.last_gateway, d.battery_level, d.margin, d.external_power, d.created_at, d.updated_at
FROM devices d
WHERE d.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(kind)::text IS NULL OR d.kind = sqlc.narg(kind)::text)
  AND (sqlc.narg(status)::text IS NULL OR d.status = sqlc.narg(status)::text)
  AND (sqlc.narg(space_id)::uuid IS NULL OR d.space_id = sqlc.narg(space_id)::uuid)
  AND (sqlc.narg(dev_eui)::text IS NULL OR d.dev_eui = sqlc.narg(dev_eui)::text)
  AND (sqlc.narg(after_eui)::text IS NULL OR (d.dev_eui, d.id) > (sqlc.narg(after_eui)::text, sqlc.narg(after_id)::uuid))
ORDER BY d.dev_eui, d.id
LIMIT sqlc.arg(lim);

-- name: UpdateDevice :exec
UPDATE devices d SET
    name = coalesce(sqlc.narg(name), d.name),
    model = coalesce(sqlc.narg(model), d.model),
    payload_format = coalesce(sqlc.narg(payload_format), d.payload_format),
    updated_at = now()
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = sqlc.arg(id);

-- name: SetDevicePlacement :exec
UPDATE devices d SET space_id = sqlc.narg(space_id), status = sqlc.arg(status), updated_at = now()
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = sqlc.arg(id);

-- name: UnassignDevicesOfSpaces :many
UPDATE devices d SET space_id = NULL, status = 'inactive', updated_at = now()
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.space_id = ANY(sqlc.arg(space_ids)::uuid[])
RETURNING d.id;

-- name: DeviceForIngest :one
SELECT d.id, d.kind, d.status, d.space_id, d.payload_format, d.fcnt_epoch FROM devices d
WHERE d.tenant_id = $1 AND d.dev_eui = $2 AND d.status <> 'decommissioned'
FOR UPDATE;

-- name: TouchDeviceUplink :exec
UPDATE devices d SET last_seen_at = sqlc.arg(seen_at), last_fcnt = coalesce(sqlc.narg(f_cnt), d.last_fcnt),
    last_rssi = coalesce(sqlc.narg(rssi), d.last_rssi), last_snr = coalesce(sqlc.narg(snr), d.last_snr),
    last_gateway = coalesce(sqlc.narg(gateway), d.last_gateway)
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = sqlc.arg(id);

-- name: SetDeviceHealth :exec
UPDATE devices d SET battery_level = sqlc.narg(battery_level), margin = sqlc.narg(margin),
    external_power = sqlc.narg(external_power), last_seen_at = sqlc.arg(seen_at)
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = sqlc.arg(id);

-- name: NewFrameCounterEpoch :exec
-- A join resets the device's frame counter: later uplinks are de-duplicated in a new epoch.
UPDATE devices d SET fcnt_epoch = d.fcnt_epoch + 1, last_fcnt = NULL, last_seen_at = sqlc.arg(seen_at)
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = sqlc.arg(id);

-- name: TouchGateways :exec
UPDATE devices d SET last_seen_at = sqlc.arg(seen_at)
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.kind = 'gateway' AND d.status <> 'decommissioned'
  AND d.dev_eui = ANY(sqlc.arg(euis)::text[]) AND (d.last_seen_at IS NULL OR d.last_seen_at < sqlc.arg(seen_at));
