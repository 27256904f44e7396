-- Parking's fixed queries. Each runs on a postgres.Querier bound to a scope; every statement on a
-- tenant table carries its alias.tenant_id = $n predicate (RLS enforces the same underneath).

-- name: GetSettings :one
SELECT max_reservation_minutes, no_show_minutes, readings_retention_days, state_retention_days,
       gateway_offline_minutes, low_battery_percent, (ingest_secret IS NOT NULL)::bool AS has_ingest_secret, updated_at
FROM parking_settings WHERE tenant_id = $1;

-- name: IngestSecret :one
SELECT ingest_secret FROM parking_settings WHERE tenant_id = $1;

-- name: UpsertSettings :exec
INSERT INTO parking_settings (tenant_id, max_reservation_minutes, no_show_minutes, readings_retention_days, state_retention_days,
    gateway_offline_minutes, low_battery_percent)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (tenant_id) DO UPDATE SET
    max_reservation_minutes = EXCLUDED.max_reservation_minutes, no_show_minutes = EXCLUDED.no_show_minutes,
    readings_retention_days = EXCLUDED.readings_retention_days, state_retention_days = EXCLUDED.state_retention_days,
    gateway_offline_minutes = EXCLUDED.gateway_offline_minutes, low_battery_percent = EXCLUDED.low_battery_percent,
    updated_at = now();

-- name: SetIngestSecret :exec
INSERT INTO parking_settings (tenant_id, ingest_secret) VALUES ($1, sqlc.narg(secret))
ON CONFLICT (tenant_id) DO UPDATE SET ingest_secret = EXCLUDED.ingest_secret, updated_at = now();
