-- River's tables (created by the Go migrations 20261123400001..08, owned by tenantry_owner) hold
-- job bookkeeping, never tenant data. The application role runs the queue: ordinary grants, no
-- TRUNCATE, no REFERENCES.

-- +goose Up
GRANT SELECT, INSERT, UPDATE, DELETE ON river_job, river_leader, river_migration, river_notification, river_queue TO tenantry_app;
GRANT USAGE, SELECT ON SEQUENCE river_job_id_seq, river_notification_id_seq TO tenantry_app;

-- +goose Down
REVOKE ALL ON river_job, river_leader, river_migration, river_notification, river_queue FROM tenantry_app;
REVOKE ALL ON SEQUENCE river_job_id_seq, river_notification_id_seq FROM tenantry_app;
