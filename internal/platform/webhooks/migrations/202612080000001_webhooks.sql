-- Outbound webhooks: a tenant's endpoints (a URL, the event types it subscribes to, a signing
-- secret sealed with TENANTRY_SECRET_KEY) and the deliveries of its events to them. A delivery is
-- written, with its River job (kind webhook.deliver, arguments: tenant and delivery id only), in
-- the transaction of the change that caused the event; its body is the event as sent.

-- +goose Up
CREATE TABLE webhook_endpoints (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    id                   uuid NOT NULL,
    url                  text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    description          text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    event_types          text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 32),
    secret_sealed        bytea NOT NULL,
    consecutive_failures integer NOT NULL DEFAULT 0,
    disabled_at          timestamptz,
    disabled_reason      text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_endpoints_created_idx ON webhook_endpoints (tenant_id, created_at DESC, id DESC);
ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_endpoints
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, DELETE ON webhook_endpoints TO tenantry_app;
GRANT UPDATE (url, description, event_types, secret_sealed, consecutive_failures, disabled_at, disabled_reason, updated_at)
    ON webhook_endpoints TO tenantry_app;

CREATE TABLE webhook_deliveries (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    endpoint_id     uuid NOT NULL,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    response_status integer,
    duration_ms     integer,
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz,
    replay_of       uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (tenant_id, created_at DESC, id DESC);
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_deliveries
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, DELETE ON webhook_deliveries TO tenantry_app;
GRANT UPDATE (status, attempts, response_status, duration_ms, last_error, next_attempt_at, completed_at)
    ON webhook_deliveries TO tenantry_app;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
