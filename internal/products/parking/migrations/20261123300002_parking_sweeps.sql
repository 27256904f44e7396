-- The background sweeps' cross-tenant reads (internal/products/parking/crosstenant.go): the system role may
-- read exactly these columns; each item found is then processed in its own tenant's transaction.

-- +goose Up
GRANT SELECT (tenant_id, id, status, starts_at, ends_at, checked_in_at) ON reservations TO tenantry_system;
GRANT SELECT (tenant_id, no_show_minutes) ON parking_settings TO tenantry_system;

-- +goose Down
REVOKE SELECT (tenant_id, id, status, starts_at, ends_at, checked_in_at) ON reservations FROM tenantry_system;
REVOKE SELECT (tenant_id, no_show_minutes) ON parking_settings FROM tenantry_system;
