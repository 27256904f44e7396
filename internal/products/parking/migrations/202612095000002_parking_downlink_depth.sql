-- The outbox depth metric (tenantry_outbox_messages, docs/operations.md) counts the display
-- downlinks still to send across tenants through the registered query
-- parking.downlink_outbox_depth, as the system role: generations and the dead mark only.

-- +goose Up
GRANT SELECT (generation, sent_generation, dead_at) ON displays TO tenantry_system;

-- +goose Down
REVOKE SELECT (generation, sent_generation, dead_at) ON displays FROM tenantry_system;
