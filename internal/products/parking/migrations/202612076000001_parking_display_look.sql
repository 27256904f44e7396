-- What a display was last sent to look like beyond its state: blinking (a reservation starts
-- soon) and brightness (quiet hours). The refresh sweep compares it with what the policy wants
-- now, so a display follows the clock without a state change (docs/parking.md, "Displays").

-- +goose Up
ALTER TABLE displays ADD COLUMN sent_blink boolean, ADD COLUMN sent_brightness smallint CHECK (sent_brightness BETWEEN 0 AND 100);
GRANT UPDATE (sent_blink, sent_brightness) ON displays TO tenantry_app;
-- The refresh sweep lists the tenants with placed displays (parking.tenants_with_displays).
GRANT SELECT (tenant_id, kind, status, space_id) ON devices TO tenantry_system;

-- +goose Down
REVOKE SELECT (tenant_id, kind, status, space_id) ON devices FROM tenantry_system;
ALTER TABLE displays DROP COLUMN sent_blink, DROP COLUMN sent_brightness;
