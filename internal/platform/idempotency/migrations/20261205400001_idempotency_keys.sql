-- Idempotency keys: the response of a create, kept 24 hours per tenant, principal and key, so
-- that a retried request gets the original answer instead of a second effect. The row is written
-- in the transaction that made the effect; the body is sealed (it may hold a secret shown once).

-- +goose Up
CREATE TABLE idempotency_keys (
    tenant_id    uuid NOT NULL,
    principal    text NOT NULL CHECK (char_length(principal) BETWEEN 1 AND 200),
    key          text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    operation    text NOT NULL,
    fingerprint  bytea NOT NULL CHECK (octet_length(fingerprint) = 32),
    status       smallint NOT NULL CHECK (status BETWEEN 200 AND 299),
    location     text NOT NULL DEFAULT '',
    content_type text NOT NULL DEFAULT '',
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, principal, key),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (tenant_id, created_at);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO tenantry_app;

-- +goose Down
DROP TABLE idempotency_keys;
