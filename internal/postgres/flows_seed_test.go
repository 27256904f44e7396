package postgres_test

import (
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Global catalogue rows shipped by the flows migration (internal/products/flows/migrations).
const (
	globalCategoryEmail = "01900000-0000-7000-8000-000000000101"
	globalTagWindows    = "01900000-0000-7000-8000-000000000201"
)

// flowsSeeds returns one row for every flows table of tenant (internal/products/flows/migrations)
// and for the teams tables (internal/platform/identity/migrations), which the flows rows reference, for the
// isolation test's world. user must already be a member of tenant.
func flowsSeeds(tenant tenancy.TenantID, user tenancy.UserID) []struct {
	sql  string
	args []any
} {
	t, u := tenant.UUID(), user.UUID()
	team, category, tag, flow, fork, step, session, share :=
		tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID()
	return []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO teams (tenant_id, id, name) VALUES ($1, $2, 'Service desk')`, []any{t, team}},
		{`INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3)`, []any{t, team, u}},
		{`INSERT INTO flow_settings (tenant_id, allow_public_shares) VALUES ($1, true)`, []any{t}},
		{`INSERT INTO flow_categories (tenant_id, id, name) VALUES ($1, $2, 'Line of business apps')`, []any{t, category}},
		{`INSERT INTO flow_tags (tenant_id, id, name) VALUES ($1, $2, 'Outlook')`, []any{t, tag}},
		{`INSERT INTO flows (tenant_id, id, author_id, team_id, title, kind, visibility, category_id, draft_graph)
			VALUES ($1, $2, $3, $4, 'Outlook does not start', 'troubleshooting', 'team', $5, '{"nodes": []}')`, []any{t, flow, u, team, category}},
		{`INSERT INTO flow_versions (tenant_id, id, flow_id, version, title, kind, graph, published_by)
			VALUES ($1, $2, $3, 1, 'Outlook does not start', 'troubleshooting', '{"nodes": []}', $4)`, []any{t, tenancy.NewID(), flow, u}},
		{`UPDATE flows SET current_version = 1 WHERE tenant_id = $1 AND id = $2`, []any{t, flow}},
		{`INSERT INTO flows (tenant_id, id, author_id, title, kind, global_category_id, parent_flow_id, fork_reason)
			VALUES ($1, $2, $3, 'Outlook does not start (fork)', 'troubleshooting', $4, $5, 'our mail setup')`,
			[]any{t, fork, u, globalCategoryEmail, flow}},
		{`INSERT INTO flow_tag_links (tenant_id, flow_id, tag_id) VALUES ($1, $2, $3)`, []any{t, flow, tag}},
		{`INSERT INTO flow_global_tag_links (tenant_id, flow_id, global_tag_id) VALUES ($1, $2, $3)`, []any{t, flow, globalTagWindows}},
		{`INSERT INTO library_steps (tenant_id, id, owner_id, title, step_type, content, visibility)
			VALUES ($1, $2, $3, 'Restart in safe mode', 'instruction', 'outlook.exe /safe', 'account')`, []any{t, step, u}},
		{`INSERT INTO library_step_ratings (tenant_id, step_id, user_id, rating) VALUES ($1, $2, $3, 4)`, []any{t, step, u}},
		{`UPDATE library_steps SET rating_sum = 4, rating_count = 1 WHERE tenant_id = $1 AND id = $2`, []any{t, step}},
		{`INSERT INTO flow_sessions (tenant_id, id, user_id, assigned_to, flow_id, flow_version, snapshot, status, started_at,
				ticket_number, client_name)
			VALUES ($1, $2, $3, $3, $4, 1, '{"title": "Outlook does not start", "nodes": []}', 'active', now(), 'T-1', 'Client')`,
			[]any{t, session, u, flow}},
		{`INSERT INTO flow_session_shares (tenant_id, id, session_id, token_hash, name, visibility, created_by)
			VALUES ($1, $2, $3, sha256(uuid_send($2)), 'for the client', 'public', $4)`, []any{t, share, session, u}},
		{`INSERT INTO flow_session_share_views (tenant_id, id, share_id, session_id, viewer_id, viewer_ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, '192.0.2.1', 'test')`, []any{t, tenancy.NewID(), share, session, u}},
	}
}
