-- Account recovery and verification: single-use tokens mailed to a user (password reset, e-mail
-- verification). A token lives in the tenant whose outbox mailed it (its id and that tenant are in
-- the token, as for refresh tokens); only a SHA-256 hash of it is stored. The application may now
-- change a user's password hash and mark the address verified (its own row only: the users
-- policy's WITH CHECK). Existing users, and users created by accepting an invitation (the token
-- came by mail), are verified (the column's default); registration inserts unverified users.

-- +goose Up
CREATE TABLE user_tokens (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'verify_email')),
    token_hash bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX user_tokens_user_idx ON user_tokens (tenant_id, user_id, created_at);
ALTER TABLE user_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_tokens
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT ON user_tokens TO tenantry_app;
GRANT UPDATE (used_at) ON user_tokens TO tenantry_app;
ALTER TABLE users ADD COLUMN email_verified_at timestamptz DEFAULT now();
GRANT SELECT (email_verified_at) ON users TO tenantry_app;
GRANT UPDATE (password_hash, email_verified_at) ON users TO tenantry_app;
-- Sign-in (identity.user_by_email) refuses unverified addresses.
GRANT SELECT (email_verified_at) ON users TO tenantry_system;

-- +goose Down
REVOKE SELECT (email_verified_at) ON users FROM tenantry_system;
REVOKE UPDATE (password_hash, email_verified_at) ON users FROM tenantry_app;
ALTER TABLE users DROP COLUMN email_verified_at;
DROP TABLE user_tokens;
