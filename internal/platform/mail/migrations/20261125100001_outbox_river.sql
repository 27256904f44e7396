-- Delivery moves from the polling dispatcher to River: Enqueue inserts a job (kind mail.deliver,
-- arguments: tenant and message id only) in the transaction that writes the message, and the job
-- retries with River's backoff. The dispatcher's schedule (next_attempt_at, its index) and the
-- system role's sweep grant go; dead_at records a message given up after its last attempt (kept,
-- unsent, for an operator).

-- +goose Up
REVOKE SELECT (tenant_id, id, sent_at, next_attempt_at) ON outbox_messages FROM tenantry_system;
DROP INDEX outbox_pending_idx;
ALTER TABLE outbox_messages ADD COLUMN dead_at timestamptz;
GRANT UPDATE (dead_at) ON outbox_messages TO tenantry_app;
-- Messages the dispatcher still had to send get their job now, so the upgrade loses none. Only the
-- owner running this migration can list them across tenants: it lifts FORCE for this statement,
-- inside the migration's transaction (the ALTER locks the table, so nothing else sees it lifted).
ALTER TABLE outbox_messages NO FORCE ROW LEVEL SECURITY;
UPDATE outbox_messages SET dead_at = now() WHERE sent_at IS NULL AND next_attempt_at >= '9999-01-01';
INSERT INTO river_job (kind, args, metadata, max_attempts)
SELECT 'mail.deliver', jsonb_build_object('tenant_id', tenant_id, 'message_id', id),
       jsonb_build_object('tenant_id', tenant_id), 10
FROM outbox_messages WHERE sent_at IS NULL AND dead_at IS NULL;
ALTER TABLE outbox_messages FORCE ROW LEVEL SECURITY;
ALTER TABLE outbox_messages DROP COLUMN next_attempt_at;

-- +goose Down
ALTER TABLE outbox_messages ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE outbox_messages NO FORCE ROW LEVEL SECURITY;
UPDATE outbox_messages SET next_attempt_at = '9999-01-01' WHERE dead_at IS NOT NULL;
ALTER TABLE outbox_messages FORCE ROW LEVEL SECURITY;
DELETE FROM river_job WHERE kind = 'mail.deliver' AND finalized_at IS NULL;
ALTER TABLE outbox_messages DROP COLUMN dead_at;
CREATE INDEX outbox_pending_idx ON outbox_messages (tenant_id, next_attempt_at) WHERE sent_at IS NULL;
GRANT UPDATE (next_attempt_at) ON outbox_messages TO tenantry_app;
GRANT SELECT (tenant_id, id, sent_at, next_attempt_at) ON outbox_messages TO tenantry_system;
