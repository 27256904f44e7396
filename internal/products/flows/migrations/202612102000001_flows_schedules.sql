-- Flows, part 2: target lists, batches (one prepared session per target, launched by hand or by a
-- schedule), maintenance schedules with their firings, and per-user notifications
-- (shared/reference/flows-upstream.md §4.6, in our own names).
--
-- The same rules as part 1 (shared/spec/isolation.md): tenant_id NOT NULL, RLS enabled and forced
-- with the one fail-closed policy, PRIMARY KEY (tenant_id, id), composite foreign keys, ids made by
-- the application, minimal grants. A firing is unique per (tenant, schedule, slot): the firing job
-- inserts it ON CONFLICT DO NOTHING in the transaction that makes the batch, so a slot makes one
-- batch however many workers or retries run it.

-- +goose Up

CREATE TABLE flow_target_lists (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    -- [{label, notes}]: at most 500 targets, bounded by the application.
    targets     jsonb NOT NULL DEFAULT '[]' CHECK (pg_column_size(targets) <= 524288),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX flow_target_lists_list_idx ON flow_target_lists (tenant_id, created_at DESC, id DESC);

CREATE TABLE flow_maintenance_schedules (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    flow_id        uuid NOT NULL,
    target_list_id uuid,
    targets        jsonb CHECK (pg_column_size(targets) <= 524288),
    cron           text NOT NULL CHECK (char_length(cron) BETWEEN 1 AND 200),
    timezone       text NOT NULL CHECK (char_length(timezone) BETWEEN 1 AND 100),
    catchup        text NOT NULL CHECK (catchup IN ('skip', 'run_once')),
    enabled        boolean NOT NULL DEFAULT true,
    assignee_id    uuid,
    next_run_at    timestamptz,
    last_run_at    timestamptz,
    created_by     uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, flow_id) REFERENCES flows (tenant_id, id),
    FOREIGN KEY (tenant_id, target_list_id) REFERENCES flow_target_lists (tenant_id, id),
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (assignee_id),
    CONSTRAINT flow_maintenance_schedules_targets CHECK (target_list_id IS NOT NULL OR targets IS NOT NULL)
);
CREATE INDEX flow_maintenance_schedules_list_idx ON flow_maintenance_schedules (tenant_id, created_at DESC, id DESC);
-- The firing sweep's registered cross-tenant query (flows.schedules_due) reads due schedules by time.
CREATE INDEX flow_maintenance_schedules_due_idx ON flow_maintenance_schedules (tenant_id, next_run_at) WHERE enabled;

CREATE TABLE flow_batches (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    flow_id       uuid NOT NULL,
    flow_version  integer NOT NULL,
    launched_by   uuid NOT NULL REFERENCES users (id),
    source        text NOT NULL CHECK (source IN ('manual', 'schedule')),
    schedule_id   uuid,
    scheduled_for timestamptz,
    target_count  integer NOT NULL CHECK (target_count BETWEEN 1 AND 500),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, flow_id, flow_version) REFERENCES flow_versions (tenant_id, flow_id, version),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES flow_maintenance_schedules (tenant_id, id) ON DELETE SET NULL (schedule_id)
);
CREATE INDEX flow_batches_list_idx ON flow_batches (tenant_id, created_at DESC, id DESC);

CREATE TABLE flow_schedule_firings (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    schedule_id   uuid NOT NULL,
    scheduled_for timestamptz NOT NULL,
    batch_id      uuid,
    status        text NOT NULL CHECK (status IN ('fired', 'failed')),
    error         text NOT NULL DEFAULT '' CHECK (char_length(error) <= 500),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT flow_schedule_firings_slot_key UNIQUE (tenant_id, schedule_id, scheduled_for),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES flow_maintenance_schedules (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, batch_id) REFERENCES flow_batches (tenant_id, id)
);

ALTER TABLE flow_sessions ADD COLUMN schedule_id uuid;
ALTER TABLE flow_sessions ADD FOREIGN KEY (tenant_id, batch_id) REFERENCES flow_batches (tenant_id, id);
ALTER TABLE flow_sessions ADD FOREIGN KEY (tenant_id, schedule_id) REFERENCES flow_maintenance_schedules (tenant_id, id)
    ON DELETE SET NULL (schedule_id);

CREATE TABLE flow_notifications (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    user_id    uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('batch.ready')),
    payload    jsonb NOT NULL DEFAULT '{}' CHECK (pg_column_size(payload) <= 8192),
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX flow_notifications_user_idx ON flow_notifications (tenant_id, user_id, created_at DESC, id DESC);
COMMENT ON TABLE flow_notifications IS 'owner-only (user_id): a member reads and marks only their own notifications; anyone else gets the 404 of a random id';

ALTER TABLE flow_target_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_target_lists FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_target_lists
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_maintenance_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_maintenance_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_maintenance_schedules
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_batches
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_schedule_firings ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_schedule_firings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_schedule_firings
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_notifications
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- Batches are append-only, a firing gets its batch once; schedules and target lists are deleted for real (a
-- schedule's firings go with it, its batches and sessions keep their rows without the link).
GRANT SELECT, INSERT, DELETE ON flow_target_lists TO tenantry_app;
GRANT UPDATE (name, description, targets, updated_at) ON flow_target_lists TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON flow_maintenance_schedules TO tenantry_app;
GRANT UPDATE (name, flow_id, target_list_id, targets, cron, timezone, catchup, enabled, assignee_id, next_run_at,
    last_run_at, updated_at) ON flow_maintenance_schedules TO tenantry_app;
GRANT SELECT, INSERT ON flow_batches TO tenantry_app;
GRANT SELECT, INSERT ON flow_schedule_firings TO tenantry_app;
GRANT UPDATE (batch_id) ON flow_schedule_firings TO tenantry_app;
GRANT SELECT, INSERT ON flow_notifications TO tenantry_app;
GRANT UPDATE (read_at) ON flow_notifications TO tenantry_app;

-- The registered cross-tenant sweep of due schedules (flows.schedules_due): the system role may
-- read exactly these columns, no content.
GRANT SELECT (tenant_id, id, enabled, next_run_at) ON flow_maintenance_schedules TO tenantry_system;

-- +goose Down
REVOKE SELECT (tenant_id, id, enabled, next_run_at) ON flow_maintenance_schedules FROM tenantry_system;
DROP TABLE flow_notifications;
ALTER TABLE flow_sessions DROP COLUMN schedule_id;
ALTER TABLE flow_sessions DROP CONSTRAINT flow_sessions_tenant_id_batch_id_fkey;
DROP TABLE flow_schedule_firings;
DROP TABLE flow_batches;
DROP TABLE flow_maintenance_schedules;
DROP TABLE flow_target_lists;
