-- name: ReservationByRequest :one
SELECT r.id, r.request_hash FROM reservations r WHERE r.tenant_id = $1 AND r.request_id = $2;

-- name: InsertReservation :exec
INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at, holder, note, created_by)
VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $7, $8, $9, $10);

-- name: GetReservation :one
SELECT r.id, r.space_id, r.request_id, r.status, r.starts_at, r.ends_at, r.holder, r.note, r.checked_in_at,
       r.cancelled_at, r.cancel_reason, r.created_by, r.created_at, r.updated_at
FROM reservations r WHERE r.tenant_id = $1 AND r.id = $2;

-- name: LockReservation :one
SELECT r.space_id, r.status, r.starts_at, r.ends_at, r.checked_in_at FROM reservations r
WHERE r.tenant_id = $1 AND r.id = $2 FOR UPDATE;

-- name: ListReservations :many
SELECT r.id, r.space_id, r.request_id, r.status, r.starts_at, r.ends_at, r.holder, r.note, r.checked_in_at,
       r.cancelled_at, r.cancel_reason, r.created_by, r.created_at, r.updated_at
FROM reservations r
WHERE r.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(space_id)::uuid IS NULL OR r.space_id = sqlc.narg(space_id)::uuid)
  AND (sqlc.narg(status)::text IS NULL OR r.status = sqlc.narg(status)::text)
  AND (sqlc.narg(since)::timestamptz IS NULL OR r.ends_at > sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR r.starts_at < sqlc.narg(until)::timestamptz)
  AND (sqlc.narg(after_start)::timestamptz IS NULL OR (r.starts_at, r.id) > (sqlc.narg(after_start)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY r.starts_at, r.id
LIMIT sqlc.arg(lim);

-- name: BusyWindows :many
-- The pending and confirmed reservations of a space that overlap [since, until): times only, never
-- the holder or any other personal data.
SELECT r.starts_at, r.ends_at, r.status FROM reservations r
WHERE r.tenant_id = sqlc.arg(tenant_id) AND r.space_id = sqlc.arg(space_id) AND r.status IN ('pending', 'confirmed')
  AND r.starts_at < sqlc.arg(until)::timestamptz AND r.ends_at > sqlc.arg(since)::timestamptz
ORDER BY r.starts_at
LIMIT 100;

-- name: CancelReservation :exec
UPDATE reservations r SET status = 'cancelled', cancelled_at = now(), cancel_reason = $3, updated_at = now()
WHERE r.tenant_id = $1 AND r.id = $2;

-- name: CheckInReservation :exec
UPDATE reservations r SET checked_in_at = now(), updated_at = now() WHERE r.tenant_id = $1 AND r.id = $2;

-- name: CancelOpenReservationsOfSpaces :many
UPDATE reservations r SET status = 'cancelled', cancelled_at = now(), cancel_reason = sqlc.arg(reason), updated_at = now()
WHERE r.tenant_id = sqlc.arg(tenant_id) AND r.space_id = ANY(sqlc.arg(space_ids)::uuid[])
  AND r.status IN ('pending', 'confirmed') AND r.ends_at > now()
RETURNING r.id;

-- name: OpenReservationCount :one
SELECT count(*) FROM reservations r
WHERE r.tenant_id = $1 AND r.space_id = $2 AND r.status IN ('pending', 'confirmed') AND r.ends_at > now();

-- name: ExpireReservation :one
-- Ends a reservation whose window is over: it expired (checked in or not, the slot is released).
UPDATE reservations r SET status = 'expired', updated_at = now()
WHERE r.tenant_id = $1 AND r.id = $2 AND r.status IN ('pending', 'confirmed') AND r.ends_at <= now()
RETURNING r.space_id;

-- name: MarkNoShow :one
-- Releases a confirmed reservation nobody checked in to within the tenant's grace period.
UPDATE reservations r SET status = 'no_show', updated_at = now()
WHERE r.tenant_id = sqlc.arg(tenant_id) AND r.id = sqlc.arg(id) AND r.status = 'confirmed' AND r.checked_in_at IS NULL
  AND r.starts_at + make_interval(mins => sqlc.arg(grace_minutes)::int) <= now()
RETURNING r.space_id;
