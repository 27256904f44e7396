-- AI assistance (issue 12, item 6): a technician's AI sessions with their messages, and the
-- tenant's AI settings (chat retention). The data model of shared/reference/flows-upstream.md §4.4
-- in our own names, under the rules of shared/spec/isolation.md like every flows table: tenant_id
-- NOT NULL, RLS enabled and forced with the one fail-closed policy, PRIMARY KEY (tenant_id, id),
-- composite foreign keys between tenant tables, minimal grants, never TRUNCATE.
--
-- ai_sessions is owner-only (user_id): only its owner reaches a session, another member of the same
-- tenant gets the 404 of a random id; POST /ai-sessions/{id}/escalate is the one sanctioned hand-off,
-- which moves user_id to another member of the tenant (escalated_from keeps the previous owner).
-- Messages are reached through their session only.
--
-- The system role reads only what the registered sweeps need (internal/products/flows/ai_crosstenant.go):
-- the conversation expiry reads (tenant_id, id, status, expires_at) of ai_sessions, never content;
-- the chat retention sweep the tenants that have AI sessions.

-- +goose Up
CREATE TABLE ai_sessions (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL,
    user_id          uuid NOT NULL REFERENCES users (id),
    mode             text NOT NULL CHECK (mode IN ('guided', 'chat')),
    status           text NOT NULL DEFAULT 'active'
                     CHECK (status IN ('active', 'paused', 'resolved', 'escalated', 'abandoned')),
    problem_summary  text NOT NULL CHECK (char_length(problem_summary) BETWEEN 1 AND 5000),
    ticket           text NOT NULL DEFAULT '' CHECK (char_length(ticket) <= 100),
    resolution_note  text NOT NULL DEFAULT '' CHECK (char_length(resolution_note) <= 20000),
    escalated_from   uuid REFERENCES users (id),
    escalation_note  text NOT NULL DEFAULT '' CHECK (char_length(escalation_note) <= 5000),
    escalated_at     timestamptz,
    message_count    integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    -- The end of the idle period: every message moves it on; the expiry sweep abandons an active or
    -- paused session once it has passed.
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    resolved_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT ai_sessions_resolved CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
-- "My AI sessions", newest first; the retention by age; the expiry sweep's due sessions.
CREATE INDEX ai_sessions_user_idx ON ai_sessions (tenant_id, user_id, created_at DESC, id DESC);
CREATE INDEX ai_sessions_activity_idx ON ai_sessions (tenant_id, last_activity_at);
CREATE INDEX ai_sessions_expiry_idx ON ai_sessions (expires_at) WHERE status IN ('active', 'paused');
COMMENT ON TABLE ai_sessions IS 'owner-only (user_id): an AI session is seen by its owner only; escalation moves it to another member';

-- The messages of a session, oldest first. complete is false for an assistant reply whose stream
-- ended early (the client left, the provider failed): its content is what had arrived.
CREATE TABLE ai_messages (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    session_id uuid NOT NULL,
    role       text NOT NULL CHECK (role IN ('user', 'assistant')),
    content    text NOT NULL CHECK (octet_length(content) <= 262144),
    complete   boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES ai_sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ai_messages_session_idx ON ai_messages (tenant_id, session_id, created_at, id);

-- Per-tenant AI settings; a missing row means the defaults.
CREATE TABLE ai_settings (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    -- AI sessions (with their messages) idle for longer are deleted by the chat retention job.
    chat_retention_days integer NOT NULL DEFAULT 90 CHECK (chat_retention_days BETWEEN 1 AND 3650),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

ALTER TABLE ai_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_sessions
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE ai_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_messages
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE ai_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_settings
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- The application role. Sessions and messages are deleted only by the chat retention job (the
-- application role, in the tenant's scope); a message never changes once written.
GRANT SELECT, INSERT, DELETE ON ai_sessions TO tenantry_app;
GRANT UPDATE (user_id, status, problem_summary, ticket, resolution_note, escalated_from, escalation_note, escalated_at,
    message_count, last_activity_at, expires_at, resolved_at, updated_at) ON ai_sessions TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON ai_messages TO tenantry_app;
GRANT SELECT, INSERT ON ai_settings TO tenantry_app;
GRANT UPDATE (chat_retention_days, updated_at) ON ai_settings TO tenantry_app;

-- The registered sweeps (flows.ai_conversations_to_expire, flows.tenants_with_ai_sessions): ids,
-- status and times, never a summary or a message.
GRANT SELECT (tenant_id, id, status, expires_at) ON ai_sessions TO tenantry_system;

-- +goose Down
DROP TABLE ai_settings;
DROP TABLE ai_messages;
DROP TABLE ai_sessions;
