-- The second factor's fixed queries: a user's own rows (user_totp, user_recovery_codes,
-- login_challenges; row-level security on app.user_id), each statement with its user_id predicate,
-- and the tenant's requirement.

-- name: GetTOTP :one
SELECT secret, enabled_at, last_step FROM user_totp WHERE user_id = $1;

-- name: PutPendingTOTP :execrows
-- Starts (or restarts) an enrolment; an enabled second factor is left alone (no row changes).
INSERT INTO user_totp (user_id, secret) VALUES ($1, $2)
ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, last_step = 0, updated_at = now()
WHERE user_totp.enabled_at IS NULL;

-- name: EnableTOTP :execrows
UPDATE user_totp SET enabled_at = now(), last_step = sqlc.arg(step), updated_at = now()
WHERE user_id = sqlc.arg(user_id) AND enabled_at IS NULL AND last_step < sqlc.arg(step);

-- name: UseTOTPStep :execrows
-- Accepts the code of one time step once: a step at or before the last accepted one is refused.
UPDATE user_totp SET last_step = sqlc.arg(step), updated_at = now()
WHERE user_id = sqlc.arg(user_id) AND enabled_at IS NOT NULL AND last_step < sqlc.arg(step);

-- name: DeleteTOTP :execrows
DELETE FROM user_totp WHERE user_id = $1;

-- name: InsertRecoveryCode :exec
INSERT INTO user_recovery_codes (user_id, id, code_hash) VALUES ($1, $2, $3);

-- name: UseRecoveryCode :execrows
UPDATE user_recovery_codes SET used_at = now()
WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL;

-- name: CountRecoveryCodes :one
SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL;

-- name: InsertLoginChallenge :exec
INSERT INTO login_challenges (user_id, id, token_hash, tenant_slug, expires_at) VALUES ($1, $2, $3, $4, $5);

-- name: GetLoginChallenge :one
SELECT token_hash, tenant_slug, attempts, expires_at, used_at
FROM login_challenges WHERE user_id = $1 AND id = $2 FOR UPDATE;

-- name: FailLoginChallenge :exec
UPDATE login_challenges SET attempts = attempts + 1 WHERE user_id = $1 AND id = $2;

-- name: UseLoginChallenge :execrows
UPDATE login_challenges SET used_at = now() WHERE user_id = $1 AND id = $2 AND used_at IS NULL;

-- name: TwoFactorMissing :one
-- Whether the tenant requires a second factor of its admins and owners and the user has none.
SELECT (COALESCE((t.settings ->> 'require_two_factor')::boolean, false)
        AND NOT EXISTS (SELECT 1 FROM user_totp u WHERE u.user_id = sqlc.arg(user_id) AND u.enabled_at IS NOT NULL))::boolean AS missing
FROM tenants t WHERE t.id = sqlc.arg(tenant_id);

-- name: TwoFactorRequired :one
SELECT COALESCE((settings ->> 'require_two_factor')::boolean, false)::boolean AS required FROM tenants WHERE id = $1;

-- name: SetTwoFactorRequired :exec
UPDATE tenants SET settings = jsonb_set(settings, '{require_two_factor}', to_jsonb(sqlc.arg(required)::boolean)), updated_at = now()
WHERE id = sqlc.arg(tenant_id);

-- name: NotifyAdminSessions :exec
-- Tells every instance to read again what it cached about the tenant's admins and owners.
SELECT pg_notify('tenantry_sessions', tenant_id::text || ' ' || user_id::text)
FROM memberships WHERE tenant_id = $1 AND role IN ('owner', 'admin');

-- name: NotifySession :exec
SELECT pg_notify('tenantry_sessions', sqlc.arg(payload)::text);

-- name: AdminUsers :many
SELECT user_id FROM memberships WHERE tenant_id = $1 AND role IN ('owner', 'admin') ORDER BY user_id LIMIT 10000;
