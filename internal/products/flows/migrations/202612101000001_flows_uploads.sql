-- Files attached to a technician session (issue 12, item 1). The bytes live in the blob store
-- (internal/blob) under storage_key, which is always tenants/<tenant_id>/uploads/<id>; the row is
-- written after the file and removed before it. Rows are reached through their session: every
-- query of a member joins flow_sessions with its owner predicate, so another member's upload is
-- the 404 of a random id. The one query without a user, the signed download, is authorized by
-- the URL's signature (which binds tenant, upload and expiry), hence no owner-only comment here.

-- +goose Up
CREATE TABLE flow_session_uploads (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    session_id   uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id),
    filename     text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp',
                                                       'application/pdf', 'text/plain; charset=utf-8')),
    size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
    sha256       bytea NOT NULL CHECK (octet_length(sha256) = 32),
    storage_key  text NOT NULL CHECK (storage_key = 'tenants/' || tenant_id::text || '/uploads/' || id::text),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES flow_sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX flow_session_uploads_session_idx ON flow_session_uploads (tenant_id, session_id, created_at DESC, id DESC);

ALTER TABLE flow_session_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_session_uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_session_uploads
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- Uploads are written once and deleted; never changed.
GRANT SELECT, INSERT, DELETE ON flow_session_uploads TO tenantry_app;

-- +goose Down
DROP TABLE flow_session_uploads;
