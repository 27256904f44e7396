-- name: InsertDevice :exec
INSERT INTO devices (tenant_id, id, dev_eui, kind, name, model, payload_format, status, space_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: GetDevice :one
-- offline_minutes is the tenant's gateway offline threshold (parking_settings, else the default).
SELECT d.id, d.dev_eui, d.kind, d.name, d.model, d.payload_format, d.status, d.space_id, d.last_seen_at, d.last_rssi,
       d.last_snr, d.last_gateway, d.battery_level, d.margin, d.external_power, d.created_at, d.updated_at,
       coalesce((SELECT ps.gateway_offline_minutes FROM parking_settings ps WHERE ps.tenant_id = sqlc.arg(tenant_id)),
                sqlc.arg(default_offline_minutes)::int)::int AS offline_minutes
FROM devices d WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = sqlc.arg(id);

-- name: LockDevice :one
SELECT d.kind, d.status, d.space_id FROM devices d WHERE d.tenant_id = $1 AND d.id = $2 FOR UPDATE;

-- name: ListDevices :many
SELECT d.id, d.dev_eui, d.kind, d.name, d.model, d.payload_format, d.status, d.space_id, d.last_seen_at, d.last_rssi,
       d.last_snr, d.last_gateway, d.battery_level, d.margin, d.external_power, d.created_at, d.updated_at,
       coalesce((SELECT ps.gateway_offline_minutes FROM parking_settings ps WHERE ps.tenant_id = sqlc.arg(tenant_id)),
                sqlc.arg(default_offline_minutes)::int)::int AS offline_minutes
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
-- Marks the registered gateways that relayed an event as seen at its time, but only a gateway whose
-- last_seen_at is more than 30 seconds older, and never one whose row another transaction holds
-- (SKIP LOCKED): uplinks through one gateway neither write its row each time nor wait for it.
-- last_seen_at may so lag by up to 30 s (more while an admin edit holds the row), which the
-- offline threshold (at least 2 minutes) absorbs.
UPDATE devices d SET last_seen_at = sqlc.arg(seen_at)
FROM (SELECT g.id FROM devices g
      WHERE g.tenant_id = sqlc.arg(tenant_id) AND g.kind = 'gateway' AND g.status <> 'decommissioned'
        AND g.dev_eui = ANY(sqlc.arg(euis)::text[])
        AND (g.last_seen_at IS NULL OR g.last_seen_at < sqlc.arg(seen_at)::timestamptz - interval '30 seconds')
      ORDER BY g.id
      FOR UPDATE SKIP LOCKED) stale
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.id = stale.id;

-- name: ListOfflineGateways :many
-- Active gateways not seen (or never) within the tenant's offline threshold before now, by EUI.
SELECT d.id, d.dev_eui, d.kind, d.name, d.model, d.payload_format, d.status, d.space_id, d.last_seen_at, d.last_rssi,
       d.last_snr, d.last_gateway, d.battery_level, d.margin, d.external_power, d.created_at, d.updated_at, t.offline_minutes
FROM devices d,
     (SELECT coalesce((SELECT ps.gateway_offline_minutes FROM parking_settings ps WHERE ps.tenant_id = sqlc.arg(tenant_id)),
                      sqlc.arg(default_offline_minutes)::int)::int AS offline_minutes) t
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.kind = 'gateway' AND d.status = 'active'
  AND (d.last_seen_at IS NULL OR d.last_seen_at < sqlc.arg(now)::timestamptz - make_interval(mins => t.offline_minutes))
  AND (sqlc.narg(after_eui)::text IS NULL OR (d.dev_eui, d.id) > (sqlc.narg(after_eui)::text, sqlc.narg(after_id)::uuid))
ORDER BY d.dev_eui, d.id
LIMIT sqlc.arg(lim);

-- name: ListLowBatteryDevices :many
-- Sensors and displays not decommissioned whose last status event reported a battery level below
-- the tenant's threshold, unless on external power, by EUI.
SELECT d.id, d.dev_eui, d.kind, d.name, d.model, d.payload_format, d.status, d.space_id, d.last_seen_at, d.last_rssi,
       d.last_snr, d.last_gateway, d.battery_level, d.margin, d.external_power, d.created_at, d.updated_at,
       sqlc.arg(default_offline_minutes)::int AS offline_minutes
FROM devices d
WHERE d.tenant_id = sqlc.arg(tenant_id) AND d.kind IN ('sensor', 'display') AND d.status <> 'decommissioned'
  AND d.battery_level < coalesce((SELECT ps.low_battery_percent FROM parking_settings ps WHERE ps.tenant_id = sqlc.arg(tenant_id)),
                                 sqlc.arg(default_low_battery)::int)
  AND d.external_power IS NOT TRUE
  AND (sqlc.narg(after_eui)::text IS NULL OR (d.dev_eui, d.id) > (sqlc.narg(after_eui)::text, sqlc.narg(after_id)::uuid))
ORDER BY d.dev_eui, d.id
LIMIT sqlc.arg(lim);
