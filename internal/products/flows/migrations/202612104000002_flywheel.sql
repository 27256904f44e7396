-- The knowledge flywheel (issue 12, item 7; shared/reference/flows-upstream.md §4.7): resolving an
-- AI session queues its analysis (session_analyses, in the resolving transaction); the flywheel job
-- turns each pending analysis into a flow proposal (a new flow, or an enhancement of a published
-- one) that admins review. Isolation as in every flows table (see 20261204200001_flows.sql).
--
-- A proposal is unique per analysis ((tenant_id, analysis_id)): the job's insert is idempotent, so
-- a job killed after its write and run again makes no second proposal. Admins may also file a
-- proposal by hand (analysis_id NULL).

-- +goose Up
CREATE TABLE session_analyses (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    ai_session_id uuid NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT session_analyses_session_key UNIQUE (tenant_id, ai_session_id),
    FOREIGN KEY (tenant_id, ai_session_id) REFERENCES ai_sessions (tenant_id, id) ON DELETE CASCADE
);
-- The flywheel's sweep of pending analyses (registered: flows.pending_session_analyses).
CREATE INDEX session_analyses_pending_idx ON session_analyses (created_at) WHERE status = 'pending';

CREATE TABLE flow_proposals (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    id                   uuid NOT NULL,
    analysis_id          uuid,
    source_ai_session_id uuid,
    kind                 text NOT NULL CHECK (kind IN ('new_flow', 'enhancement')),
    target_flow_id       uuid,
    title                text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    proposed_graph       jsonb NOT NULL CHECK (jsonb_typeof(proposed_graph) = 'object' AND pg_column_size(proposed_graph) <= 1048576),
    rationale            text NOT NULL DEFAULT '' CHECK (char_length(rationale) <= 5000),
    evidence             jsonb NOT NULL DEFAULT '{}' CHECK (pg_column_size(evidence) <= 65536),
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'approved', 'edited', 'dismissed', 'rejected')),
    -- The flow an approval or an edit-and-publish wrote (a new flow's, or the enhanced one).
    result_flow_id       uuid,
    created_by           uuid REFERENCES users (id),
    reviewed_by          uuid REFERENCES users (id),
    reviewed_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT flow_proposals_analysis_key UNIQUE (tenant_id, analysis_id),
    FOREIGN KEY (tenant_id, analysis_id) REFERENCES session_analyses (tenant_id, id) ON DELETE SET NULL (analysis_id),
    FOREIGN KEY (tenant_id, source_ai_session_id) REFERENCES ai_sessions (tenant_id, id) ON DELETE SET NULL (source_ai_session_id),
    FOREIGN KEY (tenant_id, target_flow_id) REFERENCES flows (tenant_id, id) ON DELETE SET NULL (target_flow_id),
    FOREIGN KEY (tenant_id, result_flow_id) REFERENCES flows (tenant_id, id) ON DELETE SET NULL (result_flow_id),
    CONSTRAINT flow_proposals_target CHECK (kind <> 'enhancement' OR target_flow_id IS NOT NULL OR status <> 'pending'),
    CONSTRAINT flow_proposals_reviewed CHECK ((status = 'pending') = (reviewed_at IS NULL))
);
CREATE INDEX flow_proposals_order_idx ON flow_proposals (tenant_id, created_at DESC, id DESC);
CREATE INDEX flow_proposals_session_idx ON flow_proposals (tenant_id, source_ai_session_id) WHERE source_ai_session_id IS NOT NULL;
CREATE INDEX flow_proposals_target_idx ON flow_proposals (tenant_id, target_flow_id) WHERE target_flow_id IS NOT NULL;
CREATE INDEX flow_proposals_result_idx ON flow_proposals (tenant_id, result_flow_id) WHERE result_flow_id IS NOT NULL;

ALTER TABLE session_analyses ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_analyses FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session_analyses
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE flow_proposals ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_proposals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_proposals
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

GRANT SELECT, INSERT ON session_analyses TO tenantry_app;
GRANT UPDATE (status, attempts, processed_at) ON session_analyses TO tenantry_app;
GRANT SELECT, INSERT ON flow_proposals TO tenantry_app;
GRANT UPDATE (status, result_flow_id, reviewed_by, reviewed_at, updated_at) ON flow_proposals TO tenantry_app;

-- The flywheel's registered sweep (flows.pending_session_analyses) reads ids and status only.
GRANT SELECT (tenant_id, id, status, created_at) ON session_analyses TO tenantry_system;

-- +goose Down
DROP TABLE flow_proposals;
DROP TABLE session_analyses;
