-- Second factor (TOTP, RFC 6238) and its recovery codes, and the short-lived challenges a password
-- sign-in of an enrolled user answers with. These are a user's own rows, global like the users
-- table (a person's second factor serves every tenant they belong to): no tenant_id, and row-level
-- security that shows a row only to its user (the transaction-local app.user_id, set by
-- postgres.DB.AsUser and by every scoped transaction of a signed-in user), failing closed when the
-- setting is unset or ''. Declared global tables (postgres.RegisterGlobal in twofactor.go).

-- +goose Up
-- The TOTP secret, sealed with AES-256-GCM under the service's secret key (TENANTRY_SECRET_KEY),
-- the user id as additional data. enabled_at is NULL while the enrolment waits for its first code;
-- last_step is the last time step whose code was accepted (a code is never accepted twice).
CREATE TABLE user_totp (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     bytea NOT NULL CHECK (octet_length(secret) BETWEEN 28 AND 128),
    enabled_at timestamptz,
    last_step  bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Recovery codes: SHA-256 hashes of high-entropy codes shown once; each works once.
CREATE TABLE user_recovery_codes (
    user_id   uuid NOT NULL REFERENCES user_totp (user_id) ON DELETE CASCADE,
    id        uuid NOT NULL,
    code_hash bytea NOT NULL CHECK (octet_length(code_hash) = 32),
    used_at   timestamptz,
    PRIMARY KEY (user_id, id),
    CONSTRAINT user_recovery_codes_hash_key UNIQUE (user_id, code_hash)
);

-- A password sign-in of an enrolled user: the token (only its hash stored) is exchanged once, with
-- a code, for a session; it expires within minutes and dies after a few wrong codes.
CREATE TABLE login_challenges (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          uuid NOT NULL,
    token_hash  bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    tenant_slug text NOT NULL DEFAULT '',
    attempts    integer NOT NULL DEFAULT 0,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

ALTER TABLE user_totp ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_totp FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON user_totp
    USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
    WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
ALTER TABLE user_recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_recovery_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON user_recovery_codes
    USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
    WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
ALTER TABLE login_challenges ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_challenges FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON login_challenges
    USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
    WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));

GRANT SELECT, INSERT, DELETE ON user_totp TO tenantry_app;
GRANT UPDATE (secret, enabled_at, last_step, updated_at) ON user_totp TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON user_recovery_codes TO tenantry_app;
GRANT UPDATE (used_at) ON user_recovery_codes TO tenantry_app;
GRANT SELECT, INSERT ON login_challenges TO tenantry_app;
GRANT UPDATE (attempts, used_at) ON login_challenges TO tenantry_app;

-- +goose Down
DROP TABLE login_challenges;
DROP TABLE user_recovery_codes;
DROP TABLE user_totp;
