-- Account recovery (recovery.go). Each runs on a postgres.Querier bound to a scope; statements on
-- tenant tables carry their tenant_id predicate.

-- name: InsertUserToken :exec
INSERT INTO user_tokens (tenant_id, id, user_id, purpose, token_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: GetUserToken :one
SELECT user_id, purpose, token_hash, expires_at, used_at FROM user_tokens WHERE tenant_id = $1 AND id = $2;

-- name: UseUserToken :execrows
-- Uses a token up: no row when it was used already or has expired.
UPDATE user_tokens SET used_at = now()
WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > now();

-- name: RecentUserTokens :one
-- Tokens of one purpose mailed to a user in the last minute (at most one mail a minute).
SELECT count(*) FROM user_tokens
WHERE tenant_id = $1 AND user_id = $2 AND purpose = $3 AND created_at > now() - interval '1 minute';

-- name: SetUserPassword :exec
UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1;

-- name: RevokeUserSessions :execrows
-- Ends every session of a user in the tenant (all refresh-token families).
UPDATE refresh_tokens SET revoked_at = now()
WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL;

-- name: InsertUnverifiedUser :exec
-- A registered user: the address is verified by the link mailed to it (verification.go).
INSERT INTO users (id, email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4, NULL);

-- name: VerifyUserEmail :exec
UPDATE users SET email_verified_at = now(), updated_at = now() WHERE id = $1 AND email_verified_at IS NULL;

-- name: InsertEmailChangeToken :exec
-- A token that confirms a new address (email_change.go); the address waits in the token.
INSERT INTO user_tokens (tenant_id, id, user_id, purpose, token_hash, expires_at, email)
VALUES ($1, $2, $3, 'email_change', $4, $5, $6);

-- name: GetEmailChangeToken :one
SELECT user_id, token_hash, expires_at, used_at, email FROM user_tokens
WHERE tenant_id = $1 AND id = $2 AND purpose = 'email_change';

-- name: SetUserEmail :exec
-- A confirmed new address: it came with a token mailed to it, so it is verified.
UPDATE users SET email = $2, email_verified_at = now(), updated_at = now() WHERE id = $1;
