package flows

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// aiConversationsToExpire is the AI's one cross-tenant sweep (shared/reference/flows-upstream.md
// §1.4, "AI Conversation Expiry: approved as cross-tenant"). It reads ids, status and expiry only,
// never a summary or a message; each session is then expired in its own tenant's transaction.
var aiConversationsToExpire = postgres.Register(postgres.CrossTenant{
	Name: "flows.ai_conversations_to_expire",
	Why:  "the conversation expiry sweep finds idle AI sessions of every tenant by time alone; each is expired in its own tenant's transaction",
	SQL: `SELECT tenant_id, id FROM ai_sessions
WHERE status IN ('active', 'paused') AND expires_at <= now()
ORDER BY expires_at LIMIT 1000`,
	Reads: map[string][]string{"ai_sessions": {"tenant_id", "id", "status", "expires_at"}},
})

// tenantsWithAISessions lists the tenants the chat retention runs for, one job per tenant.
var tenantsWithAISessions = postgres.Register(postgres.CrossTenant{
	Name:  "flows.tenants_with_ai_sessions",
	Why:   "the chat retention runs once per tenant with AI sessions, each in that tenant's own transaction with its own retention setting",
	SQL:   `SELECT DISTINCT tenant_id FROM ai_sessions ORDER BY tenant_id LIMIT 100000`,
	Reads: map[string][]string{"ai_sessions": {"tenant_id"}},
})

// AIConversationsToExpire lists, across tenants, the active or paused AI sessions whose expiry
// has passed (at most 1000), by tenant.
func (s *Service) AIConversationsToExpire(ctx context.Context) (map[tenancy.TenantID][]uuid.UUID, error) {
	rows, err := s.db.CrossTenantQuery(ctx, aiConversationsToExpire)
	if err != nil {
		return nil, fmt.Errorf("flows: ai conversations to expire: %w", err)
	}
	defer rows.Close()
	out := map[tenancy.TenantID][]uuid.UUID{}
	for rows.Next() {
		var tenant, id uuid.UUID
		if err := rows.Scan(&tenant, &id); err != nil {
			return nil, fmt.Errorf("flows: ai conversations to expire: %w", err)
		}
		out[tenancy.TenantID(tenant)] = append(out[tenancy.TenantID(tenant)], id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("flows: ai conversations to expire: %w", err)
	}
	return out, nil
}

// TenantsWithAISessions lists the tenants that have AI sessions, for the chat retention.
func (s *Service) TenantsWithAISessions(ctx context.Context) ([]tenancy.TenantID, error) {
	rows, err := s.db.CrossTenantQuery(ctx, tenantsWithAISessions)
	if err != nil {
		return nil, fmt.Errorf("flows: tenants with ai sessions: %w", err)
	}
	defer rows.Close()
	var out []tenancy.TenantID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("flows: tenants with ai sessions: %w", err)
		}
		out = append(out, tenancy.TenantID(id))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("flows: tenants with ai sessions: %w", err)
	}
	return out, nil
}
