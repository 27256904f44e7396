-- The outbox depth metric (tenantry_outbox_messages, docs/operations.md) counts unsent messages of
-- all tenants through the registered query mail.outbox_depth, as the system role: it may read
-- whether a message was sent or given up, nothing else. The partial index keeps the count to the
-- unsent rows (sent ones are kept, without their body).

-- +goose Up
CREATE INDEX outbox_unsent_idx ON outbox_messages (tenant_id) WHERE sent_at IS NULL;
GRANT SELECT (sent_at, dead_at) ON outbox_messages TO tenantry_system;

-- +goose Down
REVOKE SELECT (sent_at, dead_at) ON outbox_messages FROM tenantry_system;
DROP INDEX outbox_unsent_idx;
