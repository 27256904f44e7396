package flows

import (
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// aiIsolationSeeds returns one row for every AI table of tenant t (the isolation test's world):
// user u's AI session with a message, the tenant's AI settings.
func aiIsolationSeeds(t, u, _ uuid.UUID) []postgres.Seed {
	session := tenancy.NewID()
	return []postgres.Seed{
		{SQL: `INSERT INTO ai_sessions (tenant_id, id, user_id, mode, problem_summary, expires_at)
			VALUES ($1, $2, $3, 'guided', 'Outlook does not start', now() + interval '1 day')`, Args: []any{t, session, u}},
		{SQL: `INSERT INTO ai_messages (tenant_id, id, session_id, role, content) VALUES ($1, $2, $3, 'user', 'It crashes at start')`,
			Args: []any{t, tenancy.NewID(), session}},
		{SQL: `INSERT INTO ai_settings (tenant_id, chat_retention_days) VALUES ($1, 30)`, Args: []any{t}},
	}
}
