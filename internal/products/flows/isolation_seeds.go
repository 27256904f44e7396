package flows

import (
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Global catalogue rows shipped by the flows migration (internal/products/flows/migrations).
const (
	globalCategoryEmail = "01900000-0000-7000-8000-000000000101"
	globalTagWindows    = "01900000-0000-7000-8000-000000000201"
)

// IsolationSeeds returns one row for every flows table of tenant (internal/products/flows/migrations)
// and for the teams tables (internal/platform/identity/migrations), which the flows rows reference, for the
// isolation test's world. user must already be a member of tenant.
func IsolationSeeds(tenant tenancy.TenantID, user tenancy.UserID) []postgres.Seed {
	t, u := tenant.UUID(), user.UUID()
	team, category, tag, flow, fork, step, session, share :=
		tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID(), tenancy.NewID()
	upload, psa := tenancy.NewID(), tenancy.NewID()
	list, schedule, batch := tenancy.NewID(), tenancy.NewID(), tenancy.NewID()
	seeds := []postgres.Seed{
		{SQL: `INSERT INTO teams (tenant_id, id, name) VALUES ($1, $2, 'Service desk')`, Args: []any{t, team}},
		{SQL: `INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3)`, Args: []any{t, team, u}},
		{SQL: `INSERT INTO flow_settings (tenant_id, allow_public_shares) VALUES ($1, true)`, Args: []any{t}},
		{SQL: `INSERT INTO flow_categories (tenant_id, id, name) VALUES ($1, $2, 'Line of business apps')`, Args: []any{t, category}},
		{SQL: `INSERT INTO flow_tags (tenant_id, id, name) VALUES ($1, $2, 'Outlook')`, Args: []any{t, tag}},
		{SQL: `INSERT INTO flows (tenant_id, id, author_id, team_id, title, kind, visibility, category_id, draft_graph)
			VALUES ($1, $2, $3, $4, 'Outlook does not start', 'troubleshooting', 'team', $5, '{"nodes": []}')`, Args: []any{t, flow, u, team, category}},
		{SQL: `INSERT INTO flow_versions (tenant_id, id, flow_id, version, title, kind, graph, published_by)
			VALUES ($1, $2, $3, 1, 'Outlook does not start', 'troubleshooting', '{"nodes": []}', $4)`, Args: []any{t, tenancy.NewID(), flow, u}},
		{SQL: `UPDATE flows SET current_version = 1 WHERE tenant_id = $1 AND id = $2`, Args: []any{t, flow}},
		{SQL: `INSERT INTO flows (tenant_id, id, author_id, title, kind, global_category_id, parent_flow_id, fork_reason)
			VALUES ($1, $2, $3, 'Outlook does not start (fork)', 'troubleshooting', $4, $5, 'our mail setup')`, Args: []any{t, fork, u, globalCategoryEmail, flow}},
		{SQL: `INSERT INTO flow_tag_links (tenant_id, flow_id, tag_id) VALUES ($1, $2, $3)`, Args: []any{t, flow, tag}},
		{SQL: `INSERT INTO flow_global_tag_links (tenant_id, flow_id, global_tag_id) VALUES ($1, $2, $3)`, Args: []any{t, flow, globalTagWindows}},
		{SQL: `INSERT INTO library_steps (tenant_id, id, owner_id, title, step_type, content, visibility)
			VALUES ($1, $2, $3, 'Restart in safe mode', 'instruction', 'outlook.exe /safe', 'account')`, Args: []any{t, step, u}},
		{SQL: `INSERT INTO library_step_ratings (tenant_id, step_id, user_id, rating) VALUES ($1, $2, $3, 4)`, Args: []any{t, step, u}},
		{SQL: `UPDATE library_steps SET rating_sum = 4, rating_count = 1 WHERE tenant_id = $1 AND id = $2`, Args: []any{t, step}},
		{SQL: `INSERT INTO flow_sessions (tenant_id, id, user_id, assigned_to, flow_id, flow_version, snapshot, status, started_at,
				ticket_number, client_name)
			VALUES ($1, $2, $3, $3, $4, 1, '{"title": "Outlook does not start", "nodes": []}', 'active', now(), 'T-1', 'Client')`, Args: []any{t, session, u, flow}},
		{SQL: `INSERT INTO flow_session_shares (tenant_id, id, session_id, token_hash, name, visibility, created_by)
			VALUES ($1, $2, $3, sha256(uuid_send($2)), 'for the client', 'public', $4)`, Args: []any{t, share, session, u}},
		{SQL: `INSERT INTO flow_session_share_views (tenant_id, id, share_id, session_id, viewer_id, viewer_ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, '192.0.2.1', 'test')`, Args: []any{t, tenancy.NewID(), share, session, u}},
		{SQL: `INSERT INTO flow_session_uploads (tenant_id, id, session_id, user_id, filename, content_type, size_bytes, sha256, storage_key)
			VALUES ($1, $2, $3, $4, 'event-log.txt', 'text/plain; charset=utf-8', 5, sha256('hello'), $5)`,
			Args: []any{t, upload, session, u, "tenants/" + t.String() + "/uploads/" + upload.String()}},
		{SQL: `INSERT INTO flow_csat_surveys (tenant_id, id, session_id, token_hash, score, comment, responded_at)
			VALUES ($1, $2, $3, sha256(uuid_send($2)), 4, 'quick fix', now())`, Args: []any{t, tenancy.NewID(), session}},
		{SQL: `INSERT INTO psa_connections (tenant_id, id, provider, display_name, site_url, credentials_enc, created_by)
			VALUES ($1, $2, 'connectwise', 'ConnectWise', 'https://psa.example.com', '\x00', $3)`, Args: []any{t, psa, u}},
		{SQL: `INSERT INTO psa_member_mappings (tenant_id, connection_id, user_id, external_member_id)
			VALUES ($1, $2, $3, 'member-1')`, Args: []any{t, psa, u}},
		{SQL: `INSERT INTO psa_push_outbox (tenant_id, id, connection_id, source_id, ticket_id, format, body, dead_after, created_by)
			VALUES ($1, $2, $3, $4, '4711', 'md', '# Outlook does not start', 8, $5)`, Args: []any{t, tenancy.NewID(), psa, session, u}},
		{SQL: `INSERT INTO flow_target_lists (tenant_id, id, name, targets, created_by)
			VALUES ($1, $2, 'File servers', '[{"label": "srv-files-01"}]', $3)`, Args: []any{t, list, u}},
		{SQL: `INSERT INTO flow_maintenance_schedules (tenant_id, id, name, flow_id, target_list_id, cron, timezone, catchup,
				assignee_id, next_run_at, created_by)
			VALUES ($1, $2, 'Monthly patch check', $3, $4, '30 2 1 * *', 'Europe/Berlin', 'skip', $5, now() + interval '1 day', $5)`,
			Args: []any{t, schedule, flow, list, u}},
		{SQL: `INSERT INTO flow_batches (tenant_id, id, flow_id, flow_version, launched_by, source, schedule_id, scheduled_for, target_count)
			VALUES ($1, $2, $3, 1, $4, 'schedule', $5, now(), 1)`, Args: []any{t, batch, flow, u, schedule}},
		{SQL: `INSERT INTO flow_schedule_firings (tenant_id, id, schedule_id, scheduled_for, batch_id, status)
			VALUES ($1, $2, $3, now(), $4, 'fired')`, Args: []any{t, tenancy.NewID(), schedule, batch}},
		{SQL: `INSERT INTO flow_sessions (tenant_id, id, user_id, assigned_to, flow_id, flow_version, snapshot, status, batch_id,
				target_label, schedule_id)
			VALUES ($1, $2, $3, $3, $4, 1, '{"title": "Outlook does not start", "nodes": []}', 'prepared', $5, 'srv-files-01', $6)`,
			Args: []any{t, tenancy.NewID(), u, flow, batch, schedule}},
		{SQL: `INSERT INTO flow_notifications (tenant_id, id, user_id, kind, payload)
			VALUES ($1, $2, $3, 'batch.ready', '{}')`, Args: []any{t, tenancy.NewID(), u}},
	}
	return append(seeds, aiIsolationSeeds(t, u, flow)...)
}
