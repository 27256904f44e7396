-- Platform staff: accounts separate from tenant members, and grants that let one staff member
-- into one tenant for at most an hour, for a stated reason and ticket. Grants are tenant rows:
-- the tenant's owners see them, and every request made under one, in their own audit log.

-- +goose Up
CREATE TABLE staff_accounts (
    id         uuid PRIMARY KEY,
    email      text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_accounts_email_key ON staff_accounts (lower(email));
GRANT SELECT, INSERT ON staff_accounts TO tenantry_app;
GRANT UPDATE (status) ON staff_accounts TO tenantry_app;

CREATE TABLE staff_grants (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    staff_id    uuid NOT NULL REFERENCES staff_accounts (id),
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 10 AND 500),
    ticket      text NOT NULL CHECK (char_length(ticket) BETWEEN 1 AND 100),
    read_only   boolean NOT NULL DEFAULT true,
    token_hash  bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    CHECK (expires_at > created_at AND expires_at <= created_at + interval '1 hour')
);
CREATE INDEX staff_grants_created_idx ON staff_grants (tenant_id, created_at DESC);
ALTER TABLE staff_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_grants
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON staff_grants TO tenantry_app;
GRANT UPDATE (revoked_at) ON staff_grants TO tenantry_app;

-- +goose Down
DROP TABLE staff_grants;
DROP TABLE staff_accounts;
