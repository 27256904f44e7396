-- Parking: sites, spaces, devices, overrides, state history, reservations, readings, the orphan
-- inbox, ingest de-duplication keys and per-tenant settings.
-- Every table follows shared/spec/isolation.md like the core migration: tenant_id NOT NULL, RLS
-- enabled and forced with the one fail-closed policy tenant_isolation, PRIMARY KEY (tenant_id, ...),
-- composite foreign keys (a row can never point at another tenant's row, whatever RLS sees),
-- unique constraints that include tenant_id, ids made by the application (UUIDv7, no sequences),
-- minimal grants to tenantry_app and never TRUNCATE.
-- The reservation exclusion constraint needs the btree_gist extension (gist equality on uuid);
-- creating an extension needs a superuser, so postgres.Bootstrap creates it and operators of a
-- managed database run CREATE EXTENSION btree_gist once (docs/operations.md).

-- +goose Up

-- Per-tenant parking settings; a missing row means the defaults.
CREATE TABLE parking_settings (
    tenant_id               uuid NOT NULL REFERENCES tenants (id),
    max_reservation_minutes integer NOT NULL DEFAULT 1440 CHECK (max_reservation_minutes BETWEEN 15 AND 43200),
    no_show_minutes         integer NOT NULL DEFAULT 15 CHECK (no_show_minutes BETWEEN 0 AND 1440),
    readings_retention_days integer NOT NULL DEFAULT 30 CHECK (readings_retention_days BETWEEN 1 AND 3650),
    state_retention_days    integer NOT NULL DEFAULT 90 CHECK (state_retention_days BETWEEN 1 AND 3650),
    -- The HMAC key of signed ingest requests. It must be stored as is to verify signatures; it is
    -- never returned after creation and never logged.
    ingest_secret           text CHECK (ingest_secret IS NULL OR char_length(ingest_secret) BETWEEN 32 AND 200),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

-- Sites: car parks, garages. Names are unique per tenant among live sites.
CREATE TABLE sites (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    timezone   text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64),
    address    text NOT NULL DEFAULT '' CHECK (char_length(address) <= 500),
    latitude   double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude  double precision CHECK (longitude BETWEEN -180 AND 180),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT sites_gps_both CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE UNIQUE INDEX sites_name_key ON sites (tenant_id, lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX sites_order_idx ON sites (tenant_id, name, id);

-- Spaces (bays). The code is unique per (tenant, site) among live spaces: two tenants may use the
-- same codes and a deleted code may be reused. occupancy is the sensor's fact only; overrides
-- and reservations live in their own tables and the availability state is derived (v_spaces).
CREATE TABLE spaces (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    site_id      uuid NOT NULL,
    code         text NOT NULL CHECK (char_length(code) BETWEEN 1 AND 32),
    name         text NOT NULL DEFAULT '' CHECK (char_length(name) <= 200),
    building     text NOT NULL DEFAULT '' CHECK (char_length(building) <= 100),
    floor        text NOT NULL DEFAULT '' CHECK (char_length(floor) <= 32),
    zone         text NOT NULL DEFAULT '' CHECK (char_length(zone) <= 64),
    latitude     double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude    double precision CHECK (longitude BETWEEN -180 AND 180),
    occupancy    text NOT NULL DEFAULT 'unknown' CHECK (occupancy IN ('unknown', 'vacant', 'occupied')),
    occupancy_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id),
    CONSTRAINT spaces_gps_both CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE UNIQUE INDEX spaces_code_key ON spaces (tenant_id, site_id, code) WHERE deleted_at IS NULL;
CREATE INDEX spaces_order_idx ON spaces (tenant_id, code, id);
CREATE INDEX spaces_site_idx ON spaces (tenant_id, site_id);

-- Devices: sensors, displays and gateways. The orphan stage of the lifecycle is the orphan inbox
-- (orphan_devices); here a device is active (assigned to a space; gateways need none), inactive or
-- decommissioned. One sensor and one display per space.
CREATE TABLE devices (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    dev_eui        text NOT NULL CHECK (dev_eui ~ '^[0-9A-F]{16}$'),
    kind           text NOT NULL CHECK (kind IN ('sensor', 'display', 'gateway')),
    name           text NOT NULL DEFAULT '' CHECK (char_length(name) <= 200),
    model          text NOT NULL DEFAULT '' CHECK (char_length(model) <= 100),
    payload_format text NOT NULL DEFAULT 'auto' CHECK (payload_format IN ('auto', 'codec', 'tabs')),
    status         text NOT NULL CHECK (status IN ('active', 'inactive', 'decommissioned')),
    space_id       uuid,
    fcnt_epoch     integer NOT NULL DEFAULT 0,
    last_fcnt      bigint,
    last_seen_at   timestamptz,
    last_rssi      integer,
    last_snr       double precision,
    last_gateway   text,
    battery_level  real,
    margin         integer,
    external_power boolean,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id),
    CONSTRAINT devices_gateway_unassigned CHECK (kind <> 'gateway' OR space_id IS NULL),
    CONSTRAINT devices_assigned_active CHECK ((space_id IS NOT NULL) = (status = 'active' AND kind <> 'gateway'))
);
CREATE UNIQUE INDEX devices_eui_key ON devices (tenant_id, dev_eui) WHERE status <> 'decommissioned';
CREATE UNIQUE INDEX devices_space_kind_key ON devices (tenant_id, space_id, kind) WHERE space_id IS NOT NULL;
CREATE INDEX devices_order_idx ON devices (tenant_id, dev_eui, id);

-- Administrative overrides (maintenance, blocked) with an optional time window. An override wins
-- over every other fact; a sensor never clears it (only clearing it, or its window ending, does).
CREATE TABLE space_overrides (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    space_id   uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('maintenance', 'blocked')),
    reason     text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz,
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    cleared_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id),
    CONSTRAINT space_overrides_window CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX space_overrides_space_idx ON space_overrides (tenant_id, space_id, starts_at DESC) WHERE cleared_at IS NULL;

-- Reservations. No overlap among pending/confirmed reservations of one space, half-open ranges,
-- enforced by the database; request_id makes creation idempotent per tenant.
CREATE TABLE reservations (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    space_id      uuid NOT NULL,
    request_id    uuid NOT NULL,
    request_hash  bytea NOT NULL CHECK (octet_length(request_hash) = 32),
    status        text NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'expired', 'no_show')),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    holder        text NOT NULL DEFAULT '' CHECK (char_length(holder) <= 200),
    note          text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
    checked_in_at timestamptz,
    cancelled_at  timestamptz,
    cancel_reason text NOT NULL DEFAULT '' CHECK (char_length(cancel_reason) <= 500),
    created_by    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id),
    CONSTRAINT reservations_request_key UNIQUE (tenant_id, request_id),
    CONSTRAINT reservations_window CHECK (ends_at > starts_at),
    CONSTRAINT reservations_no_overlap EXCLUDE USING gist
        (tenant_id WITH =, space_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status IN ('pending', 'confirmed'))
);
CREATE INDEX reservations_order_idx ON reservations (tenant_id, starts_at, id);
CREATE INDEX reservations_space_idx ON reservations (tenant_id, space_id, starts_at);
-- For the expiry and no-show sweeps (registered cross-tenant queries).
CREATE INDEX reservations_due_idx ON reservations (ends_at) WHERE status IN ('pending', 'confirmed');
CREATE INDEX reservations_start_idx ON reservations (starts_at) WHERE status = 'confirmed' AND checked_in_at IS NULL;

-- The history of each space's derived state, with the fact that changed it.
CREATE TABLE space_state_changes (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    space_id       uuid NOT NULL,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    previous_state text NOT NULL CHECK (previous_state IN ('FREE', 'OCCUPIED', 'RESERVED', 'MAINTENANCE')),
    new_state      text NOT NULL CHECK (new_state IN ('FREE', 'OCCUPIED', 'RESERVED', 'MAINTENANCE')),
    occupancy      text NOT NULL CHECK (occupancy IN ('unknown', 'vacant', 'occupied')),
    source         text NOT NULL CHECK (source IN ('sensor', 'override', 'reservation', 'device', 'system')),
    detail         text NOT NULL DEFAULT '' CHECK (char_length(detail) <= 200),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id)
);
CREATE INDEX space_state_changes_space_idx ON space_state_changes (tenant_id, space_id, occurred_at DESC, id DESC);
CREATE INDEX space_state_changes_time_idx ON space_state_changes (tenant_id, occurred_at);

-- Raw readings of every accepted ingest event of a known device, with signal and gateway.
CREATE TABLE readings (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    device_id     uuid NOT NULL,
    space_id      uuid,
    event         text NOT NULL CHECK (event IN ('up', 'join', 'status', 'ack', 'txack')),
    measured_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    dedup_key     text NOT NULL DEFAULT '',
    f_cnt         bigint,
    f_port        integer,
    occupied      boolean,
    battery_level real,
    margin        integer,
    rssi          integer,
    snr           double precision,
    gateway_id    text,
    data          bytea,
    object        jsonb,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id)
);
CREATE INDEX readings_device_idx ON readings (tenant_id, device_id, measured_at DESC, id DESC);
CREATE INDEX readings_space_idx ON readings (tenant_id, space_id, measured_at DESC, id DESC) WHERE space_id IS NOT NULL;
CREATE INDEX readings_received_idx ON readings (tenant_id, received_at);

-- The orphan inbox: devices that sent data but are not registered in the tenant.
CREATE TABLE orphan_devices (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    dev_eui        text NOT NULL CHECK (dev_eui ~ '^[0-9A-F]{16}$'),
    device_name    text NOT NULL DEFAULT '' CHECK (char_length(device_name) <= 200),
    device_profile text NOT NULL DEFAULT '' CHECK (char_length(device_profile) <= 200),
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    uplink_count   bigint NOT NULL DEFAULT 1,
    last_event     text NOT NULL,
    last_rssi      integer,
    last_snr       double precision,
    last_gateway   text,
    sample_payload jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT orphan_devices_eui_key UNIQUE (tenant_id, dev_eui)
);
CREATE INDEX orphan_devices_seen_idx ON orphan_devices (tenant_id, last_seen_at DESC, id DESC);

-- De-duplication keys of ingest events (ChirpStack deduplicationId, else devEui/epoch/fCnt),
-- inserted before any state change; kept for a week.
CREATE TABLE ingest_dedup (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    key         text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX ingest_dedup_received_idx ON ingest_dedup (tenant_id, received_at);

-- Row-level security: one fail-closed policy per table.
ALTER TABLE parking_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE parking_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON parking_settings
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sites
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE spaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE spaces FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON spaces
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE devices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON devices
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE space_overrides ENABLE ROW LEVEL SECURITY;
ALTER TABLE space_overrides FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON space_overrides
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reservations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE space_state_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE space_state_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON space_state_changes
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE readings ENABLE ROW LEVEL SECURITY;
ALTER TABLE readings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON readings
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE orphan_devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE orphan_devices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON orphan_devices
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE ingest_dedup ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest_dedup FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ingest_dedup
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Spaces joined with their site and tenant names and the derived availability state, for reads.
-- security_invoker: the view runs with the caller's rights, so the tables' policies apply.
-- Priority: an active override > occupied (sensor) > a reservation covering now > free.
CREATE VIEW v_spaces WITH (security_invoker = true) AS
SELECT s.tenant_id, s.id, s.site_id, si.name AS site_name, t.name AS tenant_name,
       s.code, s.name, s.building, s.floor, s.zone, s.latitude, s.longitude,
       s.occupancy, s.occupancy_at,
       o.id AS override_id, o.kind AS override_kind, o.reason AS override_reason, o.ends_at AS override_until,
       r.id AS reservation_id, r.ends_at AS reserved_until,
       CASE WHEN o.id IS NOT NULL THEN 'MAINTENANCE'
            WHEN s.occupancy = 'occupied' THEN 'OCCUPIED'
            WHEN r.id IS NOT NULL THEN 'RESERVED'
            ELSE 'FREE' END AS state,
       s.created_at, s.updated_at, s.deleted_at
FROM spaces s
JOIN sites si ON si.tenant_id = s.tenant_id AND si.id = s.site_id
JOIN tenants t ON t.id = s.tenant_id
LEFT JOIN LATERAL (
    SELECT ov.id, ov.kind, ov.reason, ov.ends_at FROM space_overrides ov
    WHERE ov.tenant_id = s.tenant_id AND ov.space_id = s.id AND ov.cleared_at IS NULL
      AND ov.starts_at <= now() AND (ov.ends_at IS NULL OR ov.ends_at > now())
    ORDER BY ov.starts_at DESC, ov.id DESC LIMIT 1
) o ON true
LEFT JOIN LATERAL (
    SELECT re.id, re.ends_at FROM reservations re
    WHERE re.tenant_id = s.tenant_id AND re.space_id = s.id AND re.status IN ('pending', 'confirmed')
      AND re.starts_at <= now() AND re.ends_at > now()
    LIMIT 1
) r ON true;

-- The application role: exactly what the service needs, never TRUNCATE or REFERENCES.
GRANT SELECT, INSERT ON parking_settings TO tenantry_app;
GRANT UPDATE (max_reservation_minutes, no_show_minutes, readings_retention_days, state_retention_days, ingest_secret, updated_at)
    ON parking_settings TO tenantry_app;
GRANT SELECT, INSERT ON sites TO tenantry_app;
GRANT UPDATE (name, timezone, address, latitude, longitude, updated_at, deleted_at) ON sites TO tenantry_app;
GRANT SELECT, INSERT ON spaces TO tenantry_app;
GRANT UPDATE (code, name, building, floor, zone, latitude, longitude, occupancy, occupancy_at, updated_at, deleted_at)
    ON spaces TO tenantry_app;
GRANT SELECT, INSERT ON devices TO tenantry_app;
GRANT UPDATE (name, model, payload_format, status, space_id, fcnt_epoch, last_fcnt, last_seen_at, last_rssi, last_snr,
    last_gateway, battery_level, margin, external_power, updated_at) ON devices TO tenantry_app;
GRANT SELECT, INSERT ON space_overrides TO tenantry_app;
GRANT UPDATE (cleared_at) ON space_overrides TO tenantry_app;
GRANT SELECT, INSERT ON reservations TO tenantry_app;
GRANT UPDATE (status, checked_in_at, cancelled_at, cancel_reason, updated_at) ON reservations TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON space_state_changes TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON readings TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON orphan_devices TO tenantry_app;
GRANT UPDATE (device_name, device_profile, last_seen_at, uplink_count, last_event, last_rssi, last_snr, last_gateway, sample_payload)
    ON orphan_devices TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON ingest_dedup TO tenantry_app;
GRANT SELECT ON v_spaces TO tenantry_app;

-- +goose Down
DROP VIEW v_spaces;
DROP TABLE ingest_dedup;
DROP TABLE orphan_devices;
DROP TABLE readings;
DROP TABLE space_state_changes;
DROP TABLE reservations;
DROP TABLE space_overrides;
DROP TABLE devices;
DROP TABLE spaces;
DROP TABLE sites;
DROP TABLE parking_settings;
