-- Flows, part 1: categories and tags (global and per tenant), flows with their draft and immutable
-- published versions, the step library with ratings, technician sessions, session share links with
-- their view log, and per-tenant flow settings (shared/spec/flows.md; the data model of
-- shared/reference/flows-upstream.md §4.2-4.3, in our own names).
--
-- Every tenant table follows shared/spec/isolation.md like the core and parking migrations:
-- tenant_id NOT NULL, RLS enabled and forced with the one fail-closed policy tenant_isolation in the
-- InitPlan form (docs/isolation.md), PRIMARY KEY (tenant_id, ...), composite foreign keys between
-- tenant tables (a row can never point at another tenant's row, whatever RLS sees), unique
-- constraints that include tenant_id, ids made by the application (UUIDv7, no sequences), minimal
-- grants to tenantry_app and never TRUNCATE. Foreign keys to the global tables (users and the
-- global catalogue below) are plain.
--
-- One exception, declared to `tenantry verify` (GlobalUnique in cmd/tenantry/verify.go): the share
-- token hash is unique across tenants, because a share link is opened before any tenant is known;
-- the registered cross-tenant query flows.share_by_token (internal/products/flows/crosstenant.go)
-- reads (tenant_id, id) by that hash and everything else is read in the share's tenant's scope.
--
-- Large jsonb and text columns are bounded with pg_column_size / octet_length, which read the stored
-- size without detoasting: PostgreSQL evaluates every CHECK on every UPDATE, and sessions are
-- updated at each step while their snapshot stays the same. The shape of the documents (graph,
-- run state, custom steps) is the application's validation.

-- +goose Up

-- Per-tenant flow settings; a missing row means the defaults.
CREATE TABLE flow_settings (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    -- Whether members may create share links that anyone holding the link can open (403 otherwise).
    allow_public_shares boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

-- The global catalogue: categories and tags every tenant may read and none may change. They are
-- shipped by migrations (fixed ids below) and have no tenant_id, so they are not tenant tables;
-- the application role may only SELECT them.
CREATE TABLE flow_global_categories (
    id   uuid PRIMARY KEY,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    sort integer NOT NULL DEFAULT 0 CHECK (sort BETWEEN 0 AND 100000)
);
CREATE UNIQUE INDEX flow_global_categories_name_key ON flow_global_categories (lower(name));

CREATE TABLE flow_global_tags (
    id   uuid PRIMARY KEY,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50)
);
CREATE UNIQUE INDEX flow_global_tags_name_key ON flow_global_tags (lower(name));

INSERT INTO flow_global_categories (id, name, sort) VALUES
    ('01900000-0000-7000-8000-000000000101', 'Email & Office', 10),
    ('01900000-0000-7000-8000-000000000102', 'Network & VPN', 20),
    ('01900000-0000-7000-8000-000000000103', 'Accounts & Access', 30),
    ('01900000-0000-7000-8000-000000000104', 'Onboarding & Offboarding', 40),
    ('01900000-0000-7000-8000-000000000105', 'Hardware & Peripherals', 50),
    ('01900000-0000-7000-8000-000000000106', 'Printing', 60),
    ('01900000-0000-7000-8000-000000000107', 'Security', 70),
    ('01900000-0000-7000-8000-000000000108', 'Maintenance', 80);

INSERT INTO flow_global_tags (id, name) VALUES
    ('01900000-0000-7000-8000-000000000201', 'windows'),
    ('01900000-0000-7000-8000-000000000202', 'macos'),
    ('01900000-0000-7000-8000-000000000203', 'microsoft-365'),
    ('01900000-0000-7000-8000-000000000204', 'vpn'),
    ('01900000-0000-7000-8000-000000000205', 'mfa'),
    ('01900000-0000-7000-8000-000000000206', 'printer'),
    ('01900000-0000-7000-8000-000000000207', 'backup'),
    ('01900000-0000-7000-8000-000000000208', 'server');

-- A tenant's own categories and tags, next to the global ones. Names are unique per tenant,
-- case-insensitive; a tenant may reuse a global name (the API shows which is which).
CREATE TABLE flow_categories (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    sort       integer NOT NULL DEFAULT 0 CHECK (sort BETWEEN 0 AND 100000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX flow_categories_name_key ON flow_categories (tenant_id, lower(name));
CREATE INDEX flow_categories_order_idx ON flow_categories (tenant_id, sort, name, id);

CREATE TABLE flow_tags (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX flow_tags_name_key ON flow_tags (tenant_id, lower(name));

-- Flows (decision trees and procedures). The working copy is draft_graph; publishing copies it
-- into an immutable flow_versions row and points current_version at it. Visibility: private (the
-- author), team (members of team_id) or account (the whole tenant). A flow has at most one
-- category: a tenant category (category_id, composite key) or a global one (global_category_id).
-- A fork points at its parent; deleting the parent clears only parent_flow_id (the column list of
-- ON DELETE SET NULL, PostgreSQL 15), never tenant_id. Deletion is soft (deleted_at).
CREATE TABLE flows (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL,
    author_id          uuid NOT NULL REFERENCES users (id),
    team_id            uuid,
    title              text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description        text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    kind               text NOT NULL CHECK (kind IN ('troubleshooting', 'procedural', 'maintenance')),
    visibility         text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'team', 'account')),
    category_id        uuid,
    global_category_id uuid REFERENCES flow_global_categories (id) ON DELETE SET NULL,
    -- The graph: nodes (with stable node ids), edges and the intake variable definitions.
    draft_graph        jsonb NOT NULL DEFAULT '{}' CHECK (pg_column_size(draft_graph) <= 1048576),
    draft_updated_at   timestamptz NOT NULL DEFAULT now(),
    current_version    integer CHECK (current_version >= 1),
    parent_flow_id     uuid,
    fork_reason        text NOT NULL DEFAULT '' CHECK (char_length(fork_reason) <= 1000),
    usage_count        bigint NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    -- A team that still has flows cannot be deleted (the service moves them first).
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES flow_categories (tenant_id, id) ON DELETE SET NULL (category_id),
    FOREIGN KEY (tenant_id, parent_flow_id) REFERENCES flows (tenant_id, id) ON DELETE SET NULL (parent_flow_id),
    CONSTRAINT flows_team_visibility CHECK (visibility <> 'team' OR team_id IS NOT NULL),
    CONSTRAINT flows_one_category CHECK (category_id IS NULL OR global_category_id IS NULL),
    CONSTRAINT flows_not_own_parent CHECK (parent_flow_id <> id)
);
CREATE INDEX flows_order_idx ON flows (tenant_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX flows_author_idx ON flows (tenant_id, author_id, updated_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX flows_team_idx ON flows (tenant_id, team_id) WHERE team_id IS NOT NULL;
-- Category counts (the caller's tenant only) and the SET NULL when a category is deleted.
CREATE INDEX flows_category_idx ON flows (tenant_id, category_id) WHERE category_id IS NOT NULL;
CREATE INDEX flows_global_category_idx ON flows (tenant_id, global_category_id) WHERE global_category_id IS NOT NULL;
CREATE INDEX flows_parent_idx ON flows (tenant_id, parent_flow_id) WHERE parent_flow_id IS NOT NULL;
-- Search on title and description has no index of its own, deliberately. Under row-level security
-- PostgreSQL evaluates the policy before any non-LEAKPROOF condition of the query, so such a
-- condition can never be an index condition. to_tsvector, @@ and ILIKE (pg_trgm's operators too)
-- are not leakproof: a GIN index on to_tsvector(...) is never used by the application role (checked
-- on PostgreSQL 15: with the btree indexes dropped, a superuser, without row security, gets a GIN
-- bitmap scan; the application role a sequential scan). Marking them LEAKPROOF would let them see
-- other tenants' rows before the policy (shared/reference/multitenancy-anchors.md, pitfalls 16-17).
-- A search is therefore a scan of the tenant's live flows through a tenant_id index such as
-- flows_order_idx (the policy's uuid equality is leakproof and becomes the index condition),
-- filtered with to_tsvector('simple', title || ' ' || description) @@ websearch_to_tsquery('simple',
-- $q) or with ILIKE: its cost grows with one tenant's flows, never with the other tenants'.

-- Published versions: immutable. The application role may only insert and read them, and a
-- trigger refuses UPDATE for everyone, the owner included (rows still go with their flow when an
-- operator deletes one).
CREATE TABLE flow_versions (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    flow_id      uuid NOT NULL,
    version      integer NOT NULL CHECK (version >= 1),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    kind         text NOT NULL CHECK (kind IN ('troubleshooting', 'procedural', 'maintenance')),
    graph        jsonb NOT NULL CHECK (jsonb_typeof(graph) = 'object' AND pg_column_size(graph) <= 1048576),
    published_by uuid NOT NULL REFERENCES users (id),
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT flow_versions_version_key UNIQUE (tenant_id, flow_id, version),
    FOREIGN KEY (tenant_id, flow_id) REFERENCES flows (tenant_id, id) ON DELETE CASCADE
);
-- current_version names a published version of this very flow.
ALTER TABLE flows ADD CONSTRAINT flows_current_version_fkey
    FOREIGN KEY (tenant_id, id, current_version) REFERENCES flow_versions (tenant_id, flow_id, version);

-- +goose StatementBegin
CREATE FUNCTION flow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published flow versions are immutable' USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER flow_versions_no_update BEFORE UPDATE ON flow_versions
    FOR EACH ROW EXECUTE FUNCTION flow_versions_immutable();

-- Tags of a flow: one link table per kind of tag, so each has a primary key and a real foreign key
-- (a nullable pair in one table could have neither).
CREATE TABLE flow_tag_links (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    flow_id   uuid NOT NULL,
    tag_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, flow_id, tag_id),
    FOREIGN KEY (tenant_id, flow_id) REFERENCES flows (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES flow_tags (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX flow_tag_links_tag_idx ON flow_tag_links (tenant_id, tag_id);

CREATE TABLE flow_global_tag_links (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    flow_id       uuid NOT NULL,
    global_tag_id uuid NOT NULL REFERENCES flow_global_tags (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, flow_id, global_tag_id),
    FOREIGN KEY (tenant_id, flow_id) REFERENCES flows (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX flow_global_tag_links_tag_idx ON flow_global_tag_links (tenant_id, global_tag_id);

-- The step library: reusable steps with visibility and ratings. "Save to my library" copies a step
-- as private and owned by the caller, remembering the source (saved_from_id). Deletion is soft.
CREATE TABLE library_steps (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    owner_id      uuid NOT NULL REFERENCES users (id),
    team_id       uuid,
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    step_type     text NOT NULL CHECK (step_type IN ('instruction', 'action', 'question', 'input', 'link', 'note', 'resolution')),
    content       text NOT NULL DEFAULT '' CHECK (octet_length(content) <= 65536),
    visibility    text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'team', 'account')),
    usage_count   bigint NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    rating_sum    bigint NOT NULL DEFAULT 0,
    rating_count  bigint NOT NULL DEFAULT 0,
    saved_from_id uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
    FOREIGN KEY (tenant_id, saved_from_id) REFERENCES library_steps (tenant_id, id) ON DELETE SET NULL (saved_from_id),
    CONSTRAINT library_steps_team_visibility CHECK (visibility <> 'team' OR team_id IS NOT NULL),
    CONSTRAINT library_steps_ratings CHECK (rating_count >= 0 AND rating_sum BETWEEN rating_count AND 5 * rating_count),
    CONSTRAINT library_steps_not_own_source CHECK (saved_from_id <> id)
);
CREATE INDEX library_steps_order_idx ON library_steps (tenant_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX library_steps_owner_idx ON library_steps (tenant_id, owner_id, updated_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX library_steps_team_idx ON library_steps (tenant_id, team_id) WHERE team_id IS NOT NULL;

-- One rating per user and step; library_steps keeps the running sum and count.
CREATE TABLE library_step_ratings (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    step_id    uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    rating     smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, step_id, user_id),
    FOREIGN KEY (tenant_id, step_id) REFERENCES library_steps (tenant_id, id) ON DELETE CASCADE
);

-- Technician sessions: one walk of a published flow version, owner-only (user_id). The snapshot is
-- the version as it was at the start (the public share view is built from it); run holds the
-- current node, the path taken and the decisions. A prepared session has pre-filled variables, is
-- assigned to a member and has not started. assigned_to must be a member of this tenant; removing
-- the member unassigns the session. If an operator deletes the flow, the session keeps its snapshot
-- and loses only its link (flow_id, flow_version). batch_id gets its foreign key with the batches
-- table (part 2).
CREATE TABLE flow_sessions (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id),
    assigned_to   uuid,
    flow_id       uuid,
    flow_version  integer,
    snapshot      jsonb NOT NULL CHECK (pg_column_size(snapshot) <= 2097152),
    status        text NOT NULL CHECK (status IN ('prepared', 'active', 'completed', 'abandoned')),
    outcome       text CHECK (outcome IN ('resolved', 'escalated', 'unresolved')),
    run           jsonb NOT NULL DEFAULT '{}' CHECK (pg_column_size(run) <= 1048576),
    custom_steps  jsonb NOT NULL DEFAULT '[]' CHECK (pg_column_size(custom_steps) <= 1048576),
    scratchpad    text NOT NULL DEFAULT '' CHECK (octet_length(scratchpad) <= 262144),
    variables     jsonb NOT NULL DEFAULT '{}' CHECK (pg_column_size(variables) <= 262144),
    ticket_number text NOT NULL DEFAULT '' CHECK (char_length(ticket_number) <= 100),
    client_name   text NOT NULL DEFAULT '' CHECK (char_length(client_name) <= 200),
    batch_id      uuid,
    target_label  text CHECK (char_length(target_label) BETWEEN 1 AND 200),
    started_at    timestamptz,
    completed_at  timestamptz,
    abandoned_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, assigned_to) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (assigned_to),
    FOREIGN KEY (tenant_id, flow_id, flow_version) REFERENCES flow_versions (tenant_id, flow_id, version)
        ON DELETE SET NULL (flow_id, flow_version),
    CONSTRAINT flow_sessions_version_pair CHECK ((flow_id IS NULL) = (flow_version IS NULL)),
    CONSTRAINT flow_sessions_outcome CHECK (outcome IS NULL OR status = 'completed'),
    CONSTRAINT flow_sessions_lifecycle CHECK (
        (status <> 'prepared' OR started_at IS NULL)
        AND (status NOT IN ('active', 'completed') OR started_at IS NOT NULL)
        AND ((status = 'completed') = (completed_at IS NOT NULL))
        AND ((status = 'abandoned') = (abandoned_at IS NOT NULL)))
);
-- "My sessions", "assigned to me", analytics per flow, and the sessions of a batch.
CREATE INDEX flow_sessions_user_idx ON flow_sessions (tenant_id, user_id, created_at DESC, id DESC);
CREATE INDEX flow_sessions_assigned_idx ON flow_sessions (tenant_id, assigned_to, created_at DESC, id DESC)
    WHERE assigned_to IS NOT NULL;
CREATE INDEX flow_sessions_flow_idx ON flow_sessions (tenant_id, flow_id, started_at) WHERE flow_id IS NOT NULL;
CREATE INDEX flow_sessions_batch_idx ON flow_sessions (tenant_id, batch_id) WHERE batch_id IS NOT NULL;

-- Share links of a session. Only a SHA-256 hash of the token is stored. Revocation is soft
-- (revoked_at). The token hash is unique across tenants (see the header): the application makes
-- the tokens from 384 or more random bits, so no caller can choose a hash, and a duplicate would
-- mean a collision of SHA-256, not another tenant's share; it is the index of the registered
-- lookup by hash. The unique (tenant_id, session_id, id) is the target of the view log's key, which
-- so names the share and its session consistently.
CREATE TABLE flow_session_shares (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    session_id     uuid NOT NULL,
    token_hash     bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    name           text NOT NULL DEFAULT '' CHECK (char_length(name) <= 200),
    visibility     text NOT NULL CHECK (visibility IN ('public', 'account')),
    created_by     uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz,
    view_count     bigint NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    last_viewed_at timestamptz,
    revoked_at     timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT flow_session_shares_session_key UNIQUE (tenant_id, session_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES flow_sessions (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT flow_session_shares_expiry CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX flow_session_shares_token_key ON flow_session_shares (token_hash);
-- "My shares": active, newest first.
CREATE INDEX flow_session_shares_mine_idx ON flow_session_shares (tenant_id, created_by, created_at DESC, id DESC)
    WHERE revoked_at IS NULL;

-- One row per access to a share: append-only. viewer_id is recorded only for a member of the
-- share's tenant (the key is the membership): a signed-in visitor from another tenant opening a
-- public link is recorded as anonymous, so no tenant learns another tenant's user ids.
CREATE TABLE flow_session_share_views (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    share_id   uuid NOT NULL,
    session_id uuid NOT NULL,
    viewer_id  uuid,
    viewer_ip  inet,
    user_agent text CHECK (char_length(user_agent) <= 512),
    viewed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id, share_id) REFERENCES flow_session_shares (tenant_id, session_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, viewer_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (viewer_id)
);
CREATE INDEX flow_session_share_views_share_idx ON flow_session_share_views (tenant_id, share_id, viewed_at DESC);

-- Row-level security: one fail-closed policy per tenant table, read once per statement.
ALTER TABLE flow_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_settings
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_categories
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_tags
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flows ENABLE ROW LEVEL SECURITY;
ALTER TABLE flows FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flows
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_versions
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_tag_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_tag_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_tag_links
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_global_tag_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_global_tag_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_global_tag_links
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE library_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE library_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON library_steps
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE library_step_ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE library_step_ratings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON library_step_ratings
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_sessions
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_session_shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_session_shares FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_session_shares
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_session_share_views ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_session_share_views FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_session_share_views
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- The application role: exactly what the service needs, never TRUNCATE or REFERENCES. Flows,
-- library steps, sessions and shares are never deleted by the application (soft deletion,
-- revocation, abandonment); published versions and the view log are append-only.
GRANT SELECT ON flow_global_categories, flow_global_tags TO tenantry_app;
GRANT SELECT, INSERT ON flow_settings TO tenantry_app;
GRANT UPDATE (allow_public_shares, updated_at) ON flow_settings TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON flow_categories TO tenantry_app;
GRANT UPDATE (name, sort, updated_at) ON flow_categories TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON flow_tags TO tenantry_app;
GRANT UPDATE (name) ON flow_tags TO tenantry_app;
GRANT SELECT, INSERT ON flows TO tenantry_app;
GRANT UPDATE (team_id, title, description, kind, visibility, category_id, global_category_id, draft_graph, draft_updated_at,
    current_version, fork_reason, usage_count, updated_at, deleted_at) ON flows TO tenantry_app;
GRANT SELECT, INSERT ON flow_versions TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON flow_tag_links, flow_global_tag_links TO tenantry_app;
GRANT SELECT, INSERT ON library_steps TO tenantry_app;
GRANT UPDATE (team_id, title, step_type, content, visibility, usage_count, rating_sum, rating_count, updated_at, deleted_at)
    ON library_steps TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON library_step_ratings TO tenantry_app;
GRANT UPDATE (rating, updated_at) ON library_step_ratings TO tenantry_app;
-- The owner, the pinned version and the snapshot of a session never change.
GRANT SELECT, INSERT ON flow_sessions TO tenantry_app;
GRANT UPDATE (assigned_to, status, outcome, run, custom_steps, scratchpad, variables, ticket_number, client_name,
    target_label, started_at, completed_at, abandoned_at, updated_at) ON flow_sessions TO tenantry_app;
-- The token, the session and the visibility of a share never change (a new link is a new share).
GRANT SELECT, INSERT ON flow_session_shares TO tenantry_app;
GRANT UPDATE (name, expires_at, view_count, last_viewed_at, revoked_at, updated_at) ON flow_session_shares TO tenantry_app;
GRANT SELECT, INSERT ON flow_session_share_views TO tenantry_app;

-- The registered cross-tenant lookup of a share by its token hash (flows.share_by_token): the
-- system role may read exactly these columns.
GRANT SELECT (tenant_id, id, token_hash) ON flow_session_shares TO tenantry_system;

-- +goose Down
DROP TABLE flow_session_share_views;
DROP TABLE flow_session_shares;
DROP TABLE flow_sessions;
DROP TABLE library_step_ratings;
DROP TABLE library_steps;
DROP TABLE flow_global_tag_links;
DROP TABLE flow_tag_links;
-- flows and flow_versions reference each other: one statement drops both.
DROP TABLE flow_versions, flows;
DROP FUNCTION flow_versions_immutable();
DROP TABLE flow_tags;
DROP TABLE flow_categories;
DROP TABLE flow_global_tags;
DROP TABLE flow_global_categories;
DROP TABLE flow_settings;
