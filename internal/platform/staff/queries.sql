-- name: InsertStaff :exec
INSERT INTO staff_accounts (id, email, name) VALUES ($1, $2, $3);

-- name: StaffByEmail :one
SELECT id, status FROM staff_accounts WHERE lower(email) = lower($1);

-- name: InsertGrant :exec
INSERT INTO staff_grants (tenant_id, id, staff_id, reason, ticket, read_only, token_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: GrantForAuth :one
SELECT g.staff_id, g.read_only, g.token_hash, g.expires_at, g.revoked_at, s.status AS staff_status
FROM staff_grants g JOIN staff_accounts s ON s.id = g.staff_id
JOIN tenants t ON t.id = g.tenant_id AND t.status = 'active'
WHERE g.tenant_id = $1 AND g.id = $2;

-- name: RevokeGrant :execrows
UPDATE staff_grants SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL;
