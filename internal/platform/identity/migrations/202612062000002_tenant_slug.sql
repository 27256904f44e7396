-- Owners rename their tenant and change its slug (PATCH /api/v1/tenant). The slug stays globally
-- unique (tenants_slug_key); a clash is a generic 409 that names neither the slug's owner nor the
-- constraint.

-- +goose Up
GRANT UPDATE (slug) ON tenants TO tenantry_app;

-- +goose Down
REVOKE UPDATE (slug) ON tenants FROM tenantry_app;
