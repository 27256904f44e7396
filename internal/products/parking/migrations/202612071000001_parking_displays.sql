-- Displays (docs/parking.md, "Displays"): the tenant's display policy and ChirpStack downlink
-- settings, and each display's downlink outbox row. A display is a device of kind 'display'
-- (devices); its row here holds its vendor byte format and the state of its downlinks: the
-- latest wanted state with a generation number (bumped at each change of its space's derived
-- state; the delivery job of an older generation drops itself: coalescing), the last sent one,
-- its acknowledgement, and the dead letter after the last failed attempt.
-- Same rules as the parking migration: tenant_id, RLS enabled and forced with the one fail-closed
-- policy, composite keys, minimal grants, never TRUNCATE.

-- +goose Up
CREATE TABLE display_settings (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    colour_free        text NOT NULL DEFAULT '#00C800' CHECK (colour_free ~ '^#[0-9A-F]{6}$'),
    colour_occupied    text NOT NULL DEFAULT '#FF0000' CHECK (colour_occupied ~ '^#[0-9A-F]{6}$'),
    colour_reserved    text NOT NULL DEFAULT '#0050FF' CHECK (colour_reserved ~ '^#[0-9A-F]{6}$'),
    colour_maintenance text NOT NULL DEFAULT '#FFA000' CHECK (colour_maintenance ~ '^#[0-9A-F]{6}$'),
    reserved_soon_minutes integer NOT NULL DEFAULT 15 CHECK (reserved_soon_minutes BETWEEN 0 AND 1440),
    quiet_start        time,
    quiet_end          time,
    quiet_brightness   integer NOT NULL DEFAULT 20 CHECK (quiet_brightness BETWEEN 0 AND 100),
    -- ChirpStack v4 REST API of the tenant's network server. The API token is sealed with
    -- secretbox (TENANTRY_SECRET_KEY, bound to the tenant); it is never returned.
    chirpstack_url     text CHECK (chirpstack_url IS NULL OR char_length(chirpstack_url) BETWEEN 8 AND 500),
    chirpstack_token   bytea CHECK (chirpstack_token IS NULL OR octet_length(chirpstack_token) <= 4096),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id),
    CONSTRAINT display_settings_quiet_both CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

CREATE TABLE displays (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    device_id       uuid NOT NULL,
    format          text NOT NULL DEFAULT 'tnr-rgb' CHECK (char_length(format) BETWEEN 1 AND 32),
    generation      bigint NOT NULL DEFAULT 0,
    desired_state   text CHECK (desired_state IN ('FREE', 'OCCUPIED', 'RESERVED', 'MAINTENANCE')),
    desired_at      timestamptz,
    sent_generation bigint NOT NULL DEFAULT 0,
    sent_state      text CHECK (sent_state IN ('FREE', 'OCCUPIED', 'RESERVED', 'MAINTENANCE')),
    sent_payload    bytea,
    sent_at         timestamptz,
    queue_item_id   text CHECK (char_length(queue_item_id) <= 100),
    f_cnt_down      bigint,
    transmitted_at  timestamptz,
    acknowledged    boolean,
    acked_at        timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text CHECK (char_length(last_error) <= 500),
    dead_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, device_id),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
);
CREATE INDEX displays_queue_item_idx ON displays (tenant_id, queue_item_id) WHERE queue_item_id IS NOT NULL;

ALTER TABLE display_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE display_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON display_settings
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE displays ENABLE ROW LEVEL SECURITY;
ALTER TABLE displays FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON displays
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

GRANT SELECT, INSERT ON display_settings TO tenantry_app;
GRANT UPDATE (colour_free, colour_occupied, colour_reserved, colour_maintenance, reserved_soon_minutes, quiet_start, quiet_end,
    quiet_brightness, chirpstack_url, chirpstack_token, updated_at) ON display_settings TO tenantry_app;
GRANT SELECT, INSERT ON displays TO tenantry_app;
GRANT UPDATE (format, generation, desired_state, desired_at, sent_generation, sent_state, sent_payload, sent_at, queue_item_id,
    f_cnt_down, transmitted_at, acknowledged, acked_at, attempts, last_error, dead_at, updated_at) ON displays TO tenantry_app;

-- +goose Down
DROP TABLE displays;
DROP TABLE display_settings;
