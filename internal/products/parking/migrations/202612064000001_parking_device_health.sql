-- Device health (docs/parking.md, "Device health"): a tenant's offline threshold for gateways and
-- its low-battery threshold, both in parking_settings. A gateway's last_seen_at comes from the
-- rxInfo of uplinks it relayed (devices.last_seen_at, already granted); the lists read devices.

-- +goose Up
ALTER TABLE parking_settings
    ADD COLUMN gateway_offline_minutes integer NOT NULL DEFAULT 15 CHECK (gateway_offline_minutes BETWEEN 2 AND 10080),
    ADD COLUMN low_battery_percent integer NOT NULL DEFAULT 20 CHECK (low_battery_percent BETWEEN 1 AND 99);
GRANT UPDATE (gateway_offline_minutes, low_battery_percent) ON parking_settings TO tenantry_app;

-- +goose Down
REVOKE UPDATE (gateway_offline_minutes, low_battery_percent) ON parking_settings FROM tenantry_app;
ALTER TABLE parking_settings DROP COLUMN gateway_offline_minutes, DROP COLUMN low_battery_percent;
