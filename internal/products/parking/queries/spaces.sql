-- name: InsertSpace :exec
INSERT INTO spaces (tenant_id, id, site_id, code, name, building, floor, zone, latitude, longitude)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: GetSpace :one
SELECT v.id, v.site_id, v.site_name, v.tenant_name, v.code, v.name, v.building, v.floor, v.zone, v.latitude, v.longitude,
       v.occupancy, v.occupancy_at, v.override_id, v.override_kind, v.override_reason, v.override_until,
       v.reservation_id, v.reserved_until, v.state, v.created_at, v.updated_at, v.deleted_at
FROM v_spaces v WHERE v.tenant_id = $1 AND v.id = $2;

-- name: ListSpaces :many
SELECT v.id, v.site_id, v.site_name, v.tenant_name, v.code, v.name, v.building, v.floor, v.zone, v.latitude, v.longitude,
       v.occupancy, v.occupancy_at, v.override_id, v.override_kind, v.override_reason, v.override_until,
       v.reservation_id, v.reserved_until, v.state, v.created_at, v.updated_at, v.deleted_at
FROM v_spaces v
WHERE v.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.arg(include_deleted)::bool OR v.deleted_at IS NULL)
  AND (sqlc.narg(site_id)::uuid IS NULL OR v.site_id = sqlc.narg(site_id)::uuid)
  AND (sqlc.narg(building)::text IS NULL OR v.building = sqlc.narg(building)::text)
  AND (sqlc.narg(floor)::text IS NULL OR v.floor = sqlc.narg(floor)::text)
  AND (sqlc.narg(zone)::text IS NULL OR v.zone = sqlc.narg(zone)::text)
  AND (sqlc.narg(state)::text IS NULL OR v.state = sqlc.narg(state)::text)
  AND (sqlc.narg(q)::text IS NULL OR strpos(lower(v.code || ' ' || v.name), lower(sqlc.narg(q)::text)) > 0)
  AND (sqlc.narg(after_code)::text IS NULL OR (v.code, v.id) > (sqlc.narg(after_code)::text, sqlc.narg(after_id)::uuid))
ORDER BY v.code, v.id
LIMIT sqlc.arg(lim);

-- name: ListLiveSpaces :many
-- ListSpaces without filters (the common page): live spaces after (after_code, after_id) by code;
-- the first page passes '' and the nil uuid. A statement of its own because pgx prepares and
-- caches statements and PostgreSQL then runs a generic plan: with ListSpaces' optional filters
-- ($n IS NULL OR ...) that plan joins and sorts all of a tenant's spaces before the LIMIT (800 ms
-- per page at 50,000 spaces), while this one walks spaces_order_idx and stops after lim rows,
-- whatever the tenant's size (docs/performance.md).
SELECT v.id, v.site_id, v.site_name, v.tenant_name, v.code, v.name, v.building, v.floor, v.zone, v.latitude, v.longitude,
       v.occupancy, v.occupancy_at, v.override_id, v.override_kind, v.override_reason, v.override_until,
       v.reservation_id, v.reserved_until, v.state, v.created_at, v.updated_at, v.deleted_at
FROM v_spaces v
WHERE v.tenant_id = sqlc.arg(tenant_id) AND v.deleted_at IS NULL
  AND (v.code, v.id) > (sqlc.arg(after_code)::text, sqlc.arg(after_id)::uuid)
ORDER BY v.code, v.id
LIMIT sqlc.arg(lim);

-- name: LockSpace :one
SELECT s.site_id, s.occupancy, s.occupancy_at, s.deleted_at FROM spaces s WHERE s.tenant_id = $1 AND s.id = $2 FOR UPDATE;

-- name: UpdateSpace :exec
UPDATE spaces s SET
    code = coalesce(sqlc.narg(code), s.code),
    name = coalesce(sqlc.narg(name), s.name),
    building = coalesce(sqlc.narg(building), s.building),
    floor = coalesce(sqlc.narg(floor), s.floor),
    zone = coalesce(sqlc.narg(zone), s.zone),
    latitude = CASE WHEN sqlc.arg(set_location)::bool THEN sqlc.narg(latitude)::double precision ELSE s.latitude END,
    longitude = CASE WHEN sqlc.arg(set_location)::bool THEN sqlc.narg(longitude)::double precision ELSE s.longitude END,
    updated_at = now()
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id);

-- name: SetSpacesDeleted :exec
-- Deleting or restoring a space leaves it without a sensor, so its occupancy is unknown.
UPDATE spaces s SET deleted_at = sqlc.narg(deleted_at), occupancy = 'unknown', occupancy_at = NULL, updated_at = now()
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = ANY(sqlc.arg(ids)::uuid[]);

-- name: SpaceState :one
SELECT v.state, v.occupancy FROM v_spaces v WHERE v.tenant_id = $1 AND v.id = $2;

-- name: SetOccupancy :exec
UPDATE spaces s SET occupancy = $3, occupancy_at = $4 WHERE s.tenant_id = $1 AND s.id = $2;

-- name: InsertStateChange :exec
INSERT INTO space_state_changes (tenant_id, id, space_id, occurred_at, previous_state, new_state, occupancy, source, detail)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(space_id), coalesce(sqlc.narg(occurred_at)::timestamptz, now()),
        sqlc.arg(previous_state), sqlc.arg(new_state), sqlc.arg(occupancy), sqlc.arg(source), sqlc.arg(detail));

-- name: ListStateChanges :many
SELECT c.id, c.space_id, c.occurred_at, c.previous_state, c.new_state, c.occupancy, c.source, c.detail
FROM space_state_changes c
WHERE c.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(space_id)::uuid IS NULL OR c.space_id = sqlc.narg(space_id)::uuid)
  AND (sqlc.narg(since)::timestamptz IS NULL OR c.occurred_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR c.occurred_at < sqlc.narg(until)::timestamptz)
  AND (sqlc.narg(after_at)::timestamptz IS NULL OR (c.occurred_at, c.id) < (sqlc.narg(after_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY c.occurred_at DESC, c.id DESC
LIMIT sqlc.arg(lim);

-- name: InsertOverride :exec
INSERT INTO space_overrides (tenant_id, id, space_id, kind, reason, starts_at, ends_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: ClearOverrides :execrows
-- Clears the space's current and scheduled overrides; ended ones stay as history.
UPDATE space_overrides o SET cleared_at = now()
WHERE o.tenant_id = $1 AND o.space_id = $2 AND o.cleared_at IS NULL AND (o.ends_at IS NULL OR o.ends_at > now());

-- name: PendingOverrideKinds :many
SELECT o.kind FROM space_overrides o
WHERE o.tenant_id = $1 AND o.space_id = $2 AND o.cleared_at IS NULL AND (o.ends_at IS NULL OR o.ends_at > now());

-- name: OverridesOverlapping :many
SELECT o.kind, o.starts_at, o.ends_at FROM space_overrides o
WHERE o.tenant_id = sqlc.arg(tenant_id) AND o.space_id = sqlc.arg(space_id) AND o.cleared_at IS NULL
  AND o.starts_at < sqlc.arg(until)::timestamptz AND (o.ends_at IS NULL OR o.ends_at > sqlc.arg(since)::timestamptz)
ORDER BY o.starts_at
LIMIT 100;
