-- name: GetSettings :one
-- The tenant's flows settings; no row means the defaults.
SELECT allow_public_shares, updated_at FROM flow_settings WHERE tenant_id = $1;

-- name: UpsertSettings :exec
-- Sets whether the tenant allows public share links, creating the settings row on first change.
INSERT INTO flow_settings (tenant_id, allow_public_shares) VALUES ($1, $2)
ON CONFLICT (tenant_id) DO UPDATE SET allow_public_shares = EXCLUDED.allow_public_shares, updated_at = now();
