-- name: InsertSite :exec
INSERT INTO sites (tenant_id, id, name, timezone, address, latitude, longitude)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetSite :one
SELECT s.id, s.name, s.timezone, s.address, s.latitude, s.longitude, s.created_at, s.updated_at, s.deleted_at,
       (SELECT count(*) FROM spaces sp WHERE sp.tenant_id = s.tenant_id AND sp.site_id = s.id AND sp.deleted_at IS NULL) AS spaces_count
FROM sites s WHERE s.tenant_id = $1 AND s.id = $2;

-- name: ListSites :many
SELECT s.id, s.name, s.timezone, s.address, s.latitude, s.longitude, s.created_at, s.updated_at, s.deleted_at,
       (SELECT count(*) FROM spaces sp WHERE sp.tenant_id = s.tenant_id AND sp.site_id = s.id AND sp.deleted_at IS NULL) AS spaces_count
FROM sites s
WHERE s.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.arg(include_deleted)::bool OR s.deleted_at IS NULL)
  AND (sqlc.narg(q)::text IS NULL OR strpos(lower(s.name), lower(sqlc.narg(q)::text)) > 0)
  AND (sqlc.narg(after_name)::text IS NULL OR (s.name, s.id) > (sqlc.narg(after_name)::text, sqlc.narg(after_id)::uuid))
ORDER BY s.name, s.id
LIMIT sqlc.arg(lim);

-- name: LockSite :one
SELECT s.deleted_at FROM sites s WHERE s.tenant_id = $1 AND s.id = $2 FOR UPDATE;

-- name: UpdateSite :exec
UPDATE sites s SET
    name = coalesce(sqlc.narg(name), s.name),
    timezone = coalesce(sqlc.narg(timezone), s.timezone),
    address = coalesce(sqlc.narg(address), s.address),
    latitude = CASE WHEN sqlc.arg(set_location)::bool THEN sqlc.narg(latitude)::double precision ELSE s.latitude END,
    longitude = CASE WHEN sqlc.arg(set_location)::bool THEN sqlc.narg(longitude)::double precision ELSE s.longitude END,
    updated_at = now()
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id);

-- name: SetSiteDeleted :exec
UPDATE sites s SET deleted_at = sqlc.narg(deleted_at), updated_at = now()
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id);

-- name: LiveSpaceIDsOfSite :many
SELECT sp.id FROM spaces sp
WHERE sp.tenant_id = $1 AND sp.site_id = $2 AND sp.deleted_at IS NULL
ORDER BY sp.id FOR UPDATE;

-- name: SiteOccupancy :many
SELECT v.state, count(*) AS spaces FROM v_spaces v
WHERE v.tenant_id = $1 AND v.site_id = $2 AND v.deleted_at IS NULL
GROUP BY v.state;
