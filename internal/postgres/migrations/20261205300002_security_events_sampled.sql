-- Security events are sampled: at most one row per client address, action, outcome and details per
-- minute, so a flood of failures from one source cannot grow the table (a sample, not a count; the
-- rate limiter's metrics count). The application computes sample_key (a SHA-256 of those fields and
-- the minute, internal/platform/audit) for events of an HTTP request and inserts with ON CONFLICT DO
-- NOTHING; events with no client address are not sampled (NULL key).

-- +goose Up
ALTER TABLE security_events ADD COLUMN sample_key bytea CHECK (octet_length(sample_key) = 32);
CREATE UNIQUE INDEX security_events_sample_key ON security_events (sample_key) WHERE sample_key IS NOT NULL;

-- +goose Down
DROP INDEX security_events_sample_key;
ALTER TABLE security_events DROP COLUMN sample_key;
