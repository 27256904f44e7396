-- Single sign-on with OpenID Connect (docs/access.md, "Single sign-on"). Two tenant tables under
-- shared/spec/isolation.md: tenant_id NOT NULL, RLS enabled and forced with the one fail-closed
-- policy in the InitPlan form, tenant_id leading every key, minimal grants, never TRUNCATE.

-- +goose Up
-- A tenant's provider: at most one. The client secret is sealed (AES-256-GCM under
-- TENANTRY_SECRET_KEY, bound to the tenant id) and never leaves the server.
CREATE TABLE oidc_configs (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    issuer          text NOT NULL CHECK (char_length(issuer) BETWEEN 1 AND 500),
    client_id       text NOT NULL CHECK (char_length(client_id) BETWEEN 1 AND 500),
    client_secret   bytea NOT NULL,
    allowed_domains text[] NOT NULL CHECK (cardinality(allowed_domains) BETWEEN 1 AND 50),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

-- A sign-in in flight: made when the browser is sent to the provider, consumed (deleted) by the
-- callback, so a state works once. The browser holds the state token; the row holds its hash,
-- the nonce the ID token must carry and the PKCE verifier.
CREATE TABLE oidc_logins (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    state_hash    bytea NOT NULL,
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX oidc_logins_expiry_idx ON oidc_logins (tenant_id, expires_at);

ALTER TABLE oidc_configs ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_configs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oidc_configs
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE oidc_logins ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_logins FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oidc_logins
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

GRANT SELECT, INSERT, DELETE ON oidc_configs TO tenantry_app;
GRANT UPDATE (issuer, client_id, client_secret, allowed_domains, updated_at) ON oidc_configs TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON oidc_logins TO tenantry_app;

-- +goose Down
DROP TABLE oidc_logins;
DROP TABLE oidc_configs;
