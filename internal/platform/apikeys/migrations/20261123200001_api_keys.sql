-- API keys: bound to one tenant, with scopes and a role ceiling; only a hash of the secret is kept.

-- +goose Up
CREATE TABLE api_keys (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scopes       text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 64),
    role_ceiling text NOT NULL CHECK (role_ceiling IN ('owner', 'admin', 'operator', 'viewer')),
    created_by   uuid NOT NULL,
    secret_hash  bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- A key dies with its creator's membership; its effective role is also capped by the
    -- creator's current role at every request.
    FOREIGN KEY (tenant_id, created_by) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX api_keys_live_name_key ON api_keys (tenant_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_keys_created_idx ON api_keys (tenant_id, created_at DESC, id DESC);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON api_keys TO tenantry_app;
GRANT UPDATE (revoked_at, last_used_at) ON api_keys TO tenantry_app;

-- +goose Down
DROP TABLE api_keys;
