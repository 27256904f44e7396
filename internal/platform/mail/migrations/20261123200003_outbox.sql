-- The mail outbox: messages are written in the transaction that causes them and delivered by the
-- dispatcher afterwards, so nothing is sent for a change that rolled back and nothing is lost when
-- the mail server is down. The body (it may hold a single-use link) is cleared once sent.

-- +goose Up
CREATE TABLE outbox_messages (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL,
    recipient       text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_pending_idx ON outbox_messages (tenant_id, next_attempt_at) WHERE sent_at IS NULL;
ALTER TABLE outbox_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox_messages
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON outbox_messages TO tenantry_app;
GRANT UPDATE (body, attempts, next_attempt_at, sent_at, last_error) ON outbox_messages TO tenantry_app;
-- The registered sweep (mail.pending) finds due messages across tenants; each is then delivered
-- inside its own tenant's scope.
GRANT SELECT (tenant_id, id, sent_at, next_attempt_at) ON outbox_messages TO tenantry_system;

-- +goose Down
DROP TABLE outbox_messages;
