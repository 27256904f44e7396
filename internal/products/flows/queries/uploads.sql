-- name: InsertUpload :execrows
-- Records an upload on a session of the caller (owned by or assigned to them): no row when the
-- session is not theirs.
INSERT INTO flow_session_uploads (tenant_id, id, session_id, user_id, filename, content_type, size_bytes, sha256,
                                  storage_key, created_at)
SELECT s.tenant_id, sqlc.arg(id), s.id, sqlc.arg(me)::uuid, sqlc.arg(filename), sqlc.arg(content_type),
       sqlc.arg(size_bytes), sqlc.arg(sha256), sqlc.arg(storage_key), sqlc.arg(now)
FROM flow_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(session_id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid);

-- name: SessionVisible :one
-- Whether a session is the caller's (owned by or assigned to them), before an upload's bytes are read.
SELECT s.id FROM flow_sessions s
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid);

-- name: GetUpload :one
-- An upload of a session of the caller.
SELECT u.id, u.session_id, u.user_id, u.filename, u.content_type, u.size_bytes, u.sha256, u.storage_key, u.created_at
FROM flow_session_uploads u
JOIN flow_sessions s ON s.tenant_id = u.tenant_id AND s.id = u.session_id
WHERE u.tenant_id = sqlc.arg(tenant_id) AND u.session_id = sqlc.arg(session_id) AND u.id = sqlc.arg(id)
  AND s.tenant_id = sqlc.arg(tenant_id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid);

-- name: ListUploads :many
-- The uploads of a session of the caller, newest first (an empty page for anyone else's session).
SELECT u.id, u.session_id, u.user_id, u.filename, u.content_type, u.size_bytes, u.sha256, u.storage_key, u.created_at
FROM flow_session_uploads u
JOIN flow_sessions s ON s.tenant_id = u.tenant_id AND s.id = u.session_id
WHERE u.tenant_id = sqlc.arg(tenant_id) AND u.session_id = sqlc.arg(session_id)
  AND s.tenant_id = sqlc.arg(tenant_id)
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (u.created_at, u.id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY u.created_at DESC, u.id DESC
LIMIT sqlc.arg(lim);

-- name: DeleteUpload :one
-- Removes an upload of a session of the caller and returns what names its file.
DELETE FROM flow_session_uploads u
USING flow_sessions s
WHERE u.tenant_id = sqlc.arg(tenant_id) AND u.session_id = sqlc.arg(session_id) AND u.id = sqlc.arg(id)
  AND s.tenant_id = sqlc.arg(tenant_id) AND s.id = u.session_id
  AND (s.user_id = sqlc.arg(me)::uuid OR s.assigned_to = sqlc.arg(me)::uuid)
RETURNING u.storage_key, u.filename, u.size_bytes;

-- name: GetUploadFile :one
-- An upload named by a signed download URL (the signature authorizes it, not a member).
SELECT u.filename, u.content_type, u.size_bytes, u.storage_key
FROM flow_session_uploads u
WHERE u.tenant_id = sqlc.arg(tenant_id) AND u.id = sqlc.arg(id);
