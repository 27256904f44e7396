-- PSA push (issue 12, item 5): a tenant's connections to its PSA (ConnectWise Manage, Autotask,
-- HaloPSA), the mapping of its members to the PSA's members, and the outbox of documentation pushes
-- to PSA tickets. Credentials are sealed with TENANTRY_SECRET_KEY (AES-256-GCM, bound to the tenant
-- and the connection): the application never returns them. A push is written, with its River job
-- (kind psa.push, arguments: tenant, push id and attempt number), in the transaction that asked for
-- it; the retry sweep (psa.retry) finds pushes whose next attempt is due across tenants through the
-- registered query flows.psa_pushes_due, which may read only the columns granted to the system role
-- below.

-- +goose Up
CREATE TABLE psa_connections (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    id                uuid NOT NULL,
    provider          text NOT NULL CHECK (provider IN ('connectwise', 'autotask', 'halopsa')),
    display_name      text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 200),
    site_url          text NOT NULL CHECK (char_length(site_url) BETWEEN 1 AND 2048),
    company_id        text NOT NULL DEFAULT '' CHECK (char_length(company_id) <= 200),
    credentials_enc   bytea NOT NULL,
    credentials_hint  text NOT NULL DEFAULT '' CHECK (char_length(credentials_hint) <= 4),
    active            boolean NOT NULL DEFAULT true,
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX psa_connections_created_idx ON psa_connections (tenant_id, created_at DESC, id DESC);

-- A member's id in a connection's PSA; one mapping per member and connection. Removing the member
-- from the tenant removes the mapping.
CREATE TABLE psa_member_mappings (
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    user_id            uuid NOT NULL,
    external_member_id text NOT NULL CHECK (char_length(external_member_id) BETWEEN 1 AND 200),
    external_name      text NOT NULL DEFAULT '' CHECK (char_length(external_name) <= 200),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, connection_id, user_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES psa_connections (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);

-- One push of a session's documentation to a PSA ticket: the note as it is sent (body), and its
-- delivery state. attempts counts the attempts ever made; the push is dead when attempts reaches
-- dead_after (an owner's retry moves dead_after on). next_attempt_at is when the next attempt is
-- due; while an attempt is in flight it is the end of the attempt's lease, after which the sweep
-- tries again (a worker that died mid-attempt).
CREATE TABLE psa_push_outbox (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL,
    connection_id   uuid NOT NULL,
    source_type     text NOT NULL DEFAULT 'session' CHECK (source_type IN ('session')),
    source_id       uuid NOT NULL,
    ticket_id       text NOT NULL CHECK (char_length(ticket_id) BETWEEN 1 AND 100),
    format          text NOT NULL CHECK (format IN ('md', 'txt')),
    body            text NOT NULL CHECK (octet_length(body) <= 1048576),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    dead_after      integer NOT NULL CHECK (dead_after > 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '' CHECK (char_length(last_error) <= 500),
    external_id     text NOT NULL DEFAULT '' CHECK (char_length(external_id) <= 200),
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES psa_connections (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, source_id) REFERENCES flow_sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX psa_push_outbox_created_idx ON psa_push_outbox (tenant_id, created_at DESC, id DESC);
CREATE INDEX psa_push_outbox_source_idx ON psa_push_outbox (tenant_id, source_id, created_at DESC, id DESC);
-- The retry sweep's index: pushes still to deliver, by due time.
CREATE INDEX psa_push_outbox_due_idx ON psa_push_outbox (next_attempt_at) WHERE status IN ('pending', 'failed');
COMMENT ON TABLE psa_push_outbox IS 'owner-only (created_by): a push is seen and retried by the member who asked for it; admins list the outbox, the worker delivers it';

ALTER TABLE psa_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE psa_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON psa_connections
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE psa_member_mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE psa_member_mappings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON psa_member_mappings
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE psa_push_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE psa_push_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON psa_push_outbox
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

GRANT SELECT, INSERT, DELETE ON psa_connections TO tenantry_app;
GRANT UPDATE (display_name, site_url, company_id, credentials_enc, credentials_hint, active, updated_at)
    ON psa_connections TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON psa_member_mappings TO tenantry_app;
GRANT UPDATE (external_member_id, external_name, updated_at) ON psa_member_mappings TO tenantry_app;
GRANT SELECT, INSERT ON psa_push_outbox TO tenantry_app;
GRANT UPDATE (status, attempts, dead_after, next_attempt_at, last_error, external_id, sent_at)
    ON psa_push_outbox TO tenantry_app;
GRANT SELECT (tenant_id, id, status, attempts, next_attempt_at) ON psa_push_outbox TO tenantry_system;

-- +goose Down
REVOKE SELECT (tenant_id, id, status, attempts, next_attempt_at) ON psa_push_outbox FROM tenantry_system;
DROP TABLE psa_push_outbox;
DROP TABLE psa_member_mappings;
DROP TABLE psa_connections;
