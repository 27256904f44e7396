-- Platform core: tenants, users, memberships, refresh tokens, audit.
-- Rules (shared/spec/isolation.md): every table with tenant_id has RLS enabled AND forced, exactly
-- one policy for all commands with USING and WITH CHECK on the transaction-local tenant setting,
-- which fails closed when unset or '' (NULLIF(...)::uuid is NULL, so no row matches);
-- PRIMARY KEY (tenant_id, id); composite foreign keys; unique constraints include tenant_id;
-- ids are UUIDv7 made by the application (no sequences). The application role gets only the
-- grants it needs and never TRUNCATE.

-- +goose Up
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tenantry_app, tenantry_system;

-- A tenant's own row is visible only inside that tenant's scope.
CREATE TABLE tenants (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    slug       text NOT NULL CHECK (slug ~ '^[a-z0-9-]+$' AND char_length(slug) BETWEEN 1 AND 63),
    settings   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Slugs are global names, deliberately unique across tenants; the API answers a clash with a
-- generic 409 that names neither the slug's owner nor the constraint.
CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON tenants TO tenantry_app;
GRANT UPDATE (name, settings, status, updated_at) ON tenants TO tenantry_app;

-- Users are global (a person may belong to several tenants). A user row is visible to the user
-- itself and to the members of a tenant the user belongs to (the sub-select on memberships is
-- itself filtered by the memberships tenant policy).
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Memberships: a user's role in a tenant.
CREATE TABLE memberships (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT memberships_user_key UNIQUE (tenant_id, user_id)
);
-- For the registered cross-tenant lookup of a user's memberships (system role only).
CREATE INDEX memberships_user_idx ON memberships (user_id);
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, DELETE ON memberships TO tenantry_app;
GRANT UPDATE (role, updated_at) ON memberships TO tenantry_app;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY user_visibility ON users
    USING (id = NULLIF(current_setting('app.user_id', true), '')::uuid
           OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id))
    WITH CHECK (id = NULLIF(current_setting('app.user_id', true), '')::uuid);
-- The password hash is readable only by the registered sign-in query (system role).
GRANT SELECT (id, email, name, status, created_at, updated_at) ON users TO tenantry_app;
GRANT INSERT ON users TO tenantry_app;
GRANT UPDATE (name, updated_at) ON users TO tenantry_app;

-- Refresh tokens: one row per issued token; a family is one sign-in, rotated on every refresh.
-- Only a SHA-256 hash of the secret is stored.
CREATE TABLE refresh_tokens (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    family_id  uuid NOT NULL,
    parent_id  uuid,
    user_id    uuid NOT NULL,
    token_hash bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES refresh_tokens (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id);
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refresh_tokens
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON refresh_tokens TO tenantry_app;
GRANT UPDATE (used_at, revoked_at) ON refresh_tokens TO tenantry_app;

-- The audit log: append-only. The application role may insert and read (its own tenant's rows);
-- the database refuses UPDATE, DELETE and TRUNCATE for everyone, the owner included.
CREATE TABLE audit_events (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    principal_kind text NOT NULL,
    actor_id       text NOT NULL DEFAULT '',
    action         text NOT NULL,
    target_type    text NOT NULL DEFAULT '',
    target_id      text NOT NULL DEFAULT '',
    outcome        text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    request_id     text NOT NULL DEFAULT '',
    ip             inet,
    details        jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_time_idx ON audit_events (tenant_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_request_idx ON audit_events (tenant_id, request_id);
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON audit_events TO tenantry_app;

-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Security events that belong to no tenant (a failed sign-in names no tenant). Global, written by
-- the application, read by nobody but the owner (operators) until platform staff tools exist.
CREATE TABLE security_events (
    id          uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    action      text NOT NULL,
    user_id     uuid,
    outcome     text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    request_id  text NOT NULL DEFAULT '',
    ip          inet,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_time_idx ON security_events (occurred_at DESC);
GRANT INSERT ON security_events TO tenantry_app;
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- Cross-tenant reads by the registered queries (internal/platform/identity): must equal the registry.
GRANT SELECT (id, email, password_hash, status) ON users TO tenantry_system;
GRANT SELECT (tenant_id, user_id, role) ON memberships TO tenantry_system;
GRANT SELECT (id, name, slug, status) ON tenants TO tenantry_system;

-- +goose Down
DROP TABLE security_events;
DROP TABLE audit_events;
DROP FUNCTION audit_append_only();
DROP TABLE refresh_tokens;
DROP POLICY user_visibility ON users;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE tenants;
REVOKE USAGE ON SCHEMA public FROM tenantry_app, tenantry_system;
GRANT USAGE ON SCHEMA public TO PUBLIC;
