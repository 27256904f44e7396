-- Invitations: an expiring, single-use token (only its hash is stored) for one e-mail and role.

-- +goose Up
CREATE TABLE invitations (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    email       text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    token_hash  bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    invited_by  uuid NOT NULL,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX invitations_pending_email_key ON invitations (tenant_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_created_idx ON invitations (tenant_id, created_at DESC, id DESC);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invitations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON invitations TO tenantry_app;
GRANT UPDATE (accepted_at, revoked_at) ON invitations TO tenantry_app;

-- +goose Down
DROP TABLE invitations;
