-- name: GetSettings :one
-- The tenant's flows settings; no row means the defaults.
SELECT allow_public_shares, updated_at FROM flow_settings WHERE tenant_id = $1;
