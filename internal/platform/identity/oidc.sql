-- Single sign-on's fixed queries (oidc.go). Each runs on a postgres.Querier bound to the tenant's
-- scope; every statement carries its tenant_id predicate.

-- name: GetOIDCConfig :one
SELECT issuer, client_id, client_secret, allowed_domains, created_at, updated_at
FROM oidc_configs WHERE tenant_id = $1;

-- name: UpsertOIDCConfig :one
INSERT INTO oidc_configs (tenant_id, issuer, client_id, client_secret, allowed_domains)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
    client_secret = excluded.client_secret, allowed_domains = excluded.allowed_domains, updated_at = now()
WHERE oidc_configs.tenant_id = $1
RETURNING created_at, updated_at, (xmax = 0)::bool AS created;

-- name: DeleteOIDCConfig :execrows
DELETE FROM oidc_configs WHERE tenant_id = $1;

-- name: DeleteExpiredOIDCLogins :exec
DELETE FROM oidc_logins WHERE tenant_id = $1 AND expires_at < now();

-- name: InsertOIDCLogin :exec
INSERT INTO oidc_logins (tenant_id, id, state_hash, nonce, code_verifier, expires_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: TakeOIDCLogin :one
DELETE FROM oidc_logins WHERE tenant_id = $1 AND id = $2 AND state_hash = $3
RETURNING nonce, code_verifier, expires_at;
