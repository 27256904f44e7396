package flows

import (
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// aiIsolationSeeds returns one row for every AI table of tenant t (the isolation test's world):
// user u's AI session with a message, the tenant's AI settings, the session's analysis and its
// proposal to enhance flow.
func aiIsolationSeeds(t, u, flow uuid.UUID) []postgres.Seed {
	session, analysis := tenancy.NewID(), tenancy.NewID()
	return []postgres.Seed{
		{SQL: `INSERT INTO ai_sessions (tenant_id, id, user_id, mode, problem_summary, expires_at)
			VALUES ($1, $2, $3, 'guided', 'Outlook does not start', now() + interval '1 day')`, Args: []any{t, session, u}},
		{SQL: `INSERT INTO ai_messages (tenant_id, id, session_id, role, content) VALUES ($1, $2, $3, 'user', 'It crashes at start')`,
			Args: []any{t, tenancy.NewID(), session}},
		{SQL: `INSERT INTO ai_settings (tenant_id, chat_retention_days) VALUES ($1, 30)`, Args: []any{t}},
		{SQL: `INSERT INTO session_analyses (tenant_id, id, ai_session_id, status) VALUES ($1, $2, $3, 'done')`, Args: []any{t, analysis, session}},
		{SQL: `INSERT INTO flow_proposals (tenant_id, id, analysis_id, source_ai_session_id, kind, target_flow_id, title, proposed_graph, rationale)
			VALUES ($1, $2, $3, $4, 'enhancement', $5, 'Outlook does not start', '{"nodes": []}', 'seen in an AI session')`,
			Args: []any{t, tenancy.NewID(), analysis, session, flow}},
	}
}
