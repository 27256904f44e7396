-- Customer satisfaction (CSAT) surveys of completed sessions (issue 12, item 4). Completing a
-- session issues one survey: a token of 512 random bits handed to the session's owner once, of
-- which only the SHA-256 is stored here, in the completion's transaction. Whoever holds the token
-- (the owner passes it to the end user) answers once, without an account: score and comment are
-- written into the same row, in the session's tenant. The token hash is unique across tenants like
-- a share link's (see flow_session_shares): no caller can choose a hash, and it is the index of the
-- registered lookup by hash (flows.csat_by_token, declared in cmd/tenantry/verify.go).

-- +goose Up
CREATE TABLE flow_csat_surveys (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    session_id   uuid NOT NULL,
    token_hash   bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    issued_at    timestamptz NOT NULL DEFAULT now(),
    score        smallint CHECK (score BETWEEN 1 AND 5),
    comment      text CHECK (char_length(comment) <= 2000),
    responded_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT flow_csat_surveys_session_key UNIQUE (tenant_id, session_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES flow_sessions (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT flow_csat_surveys_answer CHECK ((score IS NULL) = (responded_at IS NULL))
);
CREATE UNIQUE INDEX flow_csat_surveys_token_key ON flow_csat_surveys (token_hash);

ALTER TABLE flow_csat_surveys ENABLE ROW LEVEL SECURITY;
ALTER TABLE flow_csat_surveys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flow_csat_surveys
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- A survey is issued once and answered once: its token and its session never change.
GRANT SELECT, INSERT ON flow_csat_surveys TO tenantry_app;
GRANT UPDATE (score, comment, responded_at) ON flow_csat_surveys TO tenantry_app;

-- The registered cross-tenant lookup of a survey by its token hash (flows.csat_by_token): the
-- system role may read exactly these columns.
GRANT SELECT (tenant_id, id, token_hash) ON flow_csat_surveys TO tenantry_system;

-- +goose Down
DROP TABLE flow_csat_surveys;
