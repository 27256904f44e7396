package flows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// shareWorld is the fixture of the share, settings and analytics tests: two tenants made with SQL
// through the scoped helper, as the application role. Tenant A has a technician (operator) who
// owns sessions, a colleague (operator), a viewer and an admin; tenant B one operator.
type shareWorld struct {
	env testenv.DB
	db  *postgres.DB
	svc *flows.Service
	a   shareTenant
	b   shareTenant
}

// shareTenant is one tenant of the fixture and its members.
type shareTenant struct {
	id                             tenancy.TenantID
	tech, colleague, viewer, admin shareMember
}

// shareMember is a member of a fixture tenant.
type shareMember struct {
	id    tenancy.UserID
	email string
	name  string
	role  tenancy.Role
}

func newShareWorld(t *testing.T) *shareWorld {
	t.Helper()
	env := testenv.NewDB(t)
	w := &shareWorld{env: env, db: env.Open(t, 8)}
	w.svc = flows.New(w.db, slog.New(slog.DiscardHandler))
	w.a = w.seedShareTenant(t, "a")
	w.b = w.seedShareTenant(t, "b")
	return w
}

func (w *shareWorld) seedShareTenant(t *testing.T, name string) shareTenant {
	t.Helper()
	tn := shareTenant{id: tenancy.TenantID(tenancy.NewID())}
	member := func(label string, role tenancy.Role) shareMember {
		id := tenancy.UserID(tenancy.NewID())
		return shareMember{id: id, email: label + "-" + id.String()[24:] + "@example.com", name: "Member " + label + " of " + name, role: role}
	}
	tn.tech, tn.colleague = member("tech", tenancy.RoleOperator), member("colleague", tenancy.RoleOperator)
	tn.viewer, tn.admin = member("viewer", tenancy.RoleViewer), member("admin", tenancy.RoleAdmin)
	w.exec(t, w.as(t, tn, tn.admin), `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`,
		tn.id.UUID(), "Tenant "+name, "share-"+name+"-"+tn.id.String()[24:])
	for _, m := range []shareMember{tn.tech, tn.colleague, tn.viewer, tn.admin} {
		ctx := w.as(t, tn, m)
		w.exec(t, ctx, `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'x')`, m.id.UUID(), m.email, m.name)
		w.exec(t, ctx, `INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, $4)`,
			tn.id.UUID(), tenancy.NewID(), m.id.UUID(), string(m.role))
	}
	return tn
}

// as returns a context scoped to tenant tn for member m with m's role, as a signed-in user.
func (w *shareWorld) as(t *testing.T, tn shareTenant, m shareMember) context.Context {
	t.Helper()
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: tn.id, Role: m.role,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: m.id}})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// exec runs one statement in its own transaction bound to ctx's scope.
func (w *shareWorld) exec(t *testing.T, ctx context.Context, sql string, args ...any) {
	t.Helper()
	err := w.db.Tx(ctx, func(q postgres.Querier) error {
		_, err := q.Exec(ctx, sql, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// count returns one integer read in ctx's scope.
func (w *shareWorld) count(t *testing.T, ctx context.Context, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	err := w.db.Read(ctx, func(q postgres.Querier) error { return q.QueryRow(ctx, sql, args...).Scan(&n) })
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// The snapshot and run of the fixture's sessions: a two-node flow walked to its resolution.
const (
	shareSnapshot = `{"title": "Outlook does not start", "description": "When Outlook hangs at the splash screen", "kind": "troubleshooting",
		"nodes": [
			{"id": "q1", "type": "question", "title": "Does it start in safe mode?", "start": true,
			 "options": [{"id": "yes", "label": "Yes", "next": "r1"}, {"id": "no", "label": "No", "next": "r2"}]},
			{"id": "r1", "type": "resolution", "title": "Disable the add-ins", "outcome": "resolved"},
			{"id": "r2", "type": "resolution", "title": "Repair Office", "outcome": "escalated"}],
		"author_email": "CANARY-SNAPSHOT-EXTRA"}`
	shareRun = `{"current": "r1", "path": ["q1", "r1"], "outcome": "resolved", "done": true,
		"decisions": [{"node_id": "q1", "option_id": "yes", "label": "Yes", "note": "safe mode worked", "at": "2026-12-01T10:05:00Z"}],
		"variables": {"admin_password": "CANARY-RUN-VARIABLE"}}`
)

// sessionSpec is a session the fixture writes; zero fields take the defaults of a completed walk.
type sessionSpec struct {
	flow      uuid.UUID // zero: a session whose flow is gone
	version   int32
	status    string // default completed; prepared sessions have not started
	outcome   string // default resolved for completed sessions
	current   string // default r1
	started   time.Time
	completed time.Duration // time to completion or abandonment; default 10 minutes
}

// seedSession writes a session of member m in tenant tn with canaries in its private parts
// (scratchpad, variables) and returns its id.
func (w *shareWorld) seedSession(t *testing.T, tn shareTenant, m shareMember, s sessionSpec) uuid.UUID {
	t.Helper()
	if s.status == "" {
		s.status = "completed"
	}
	if s.outcome == "" && s.status == "completed" {
		s.outcome = "resolved"
	}
	if s.current == "" {
		s.current = "r1"
	}
	if s.started.IsZero() {
		s.started = time.Now().Add(-time.Hour)
	}
	if s.completed == 0 {
		s.completed = 10 * time.Minute
	}
	var completedAt, abandonedAt *time.Time
	started := &s.started
	end := s.started.Add(s.completed)
	switch s.status {
	case "completed":
		completedAt = &end
	case "abandoned":
		abandonedAt = &end
	case "prepared":
		started = nil
	}
	run := map[string]any{}
	if err := json.Unmarshal([]byte(shareRun), &run); err != nil {
		t.Fatal(err)
	}
	run["current"] = s.current
	runJSON, _ := json.Marshal(run)
	id := tenancy.NewID()
	flow, version := uuid.NullUUID{UUID: s.flow, Valid: s.flow != uuid.Nil}, (*int32)(nil)
	if flow.Valid {
		version = &s.version
	}
	var outcome *string
	if s.outcome != "" {
		outcome = &s.outcome
	}
	w.exec(t, w.as(t, tn, m), `INSERT INTO flow_sessions (tenant_id, id, user_id, flow_id, flow_version, snapshot, status, outcome, run,
			custom_steps, scratchpad, variables, ticket_number, client_name, started_at, completed_at, abandoned_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'CANARY-SCRATCHPAD', '{"admin_password": "CANARY-VARIABLE"}',
			'T-4711', 'Contoso', $11, $12, $13)`,
		tn.id.UUID(), id, m.id.UUID(), flow, version, shareSnapshot, s.status, outcome, string(runJSON),
		fmt.Sprintf(`[{"id": %q, "after_node_id": "q1", "title": "Checked the network cable", "source": "adhoc"}]`, tenancy.NewID()),
		started, completedAt, abandonedAt)
	return id
}

// seedFlow writes a flow of member m in tenant tn with a published version 1 and returns its id.
// visibility is private, team (a team with m in it) or account.
func (w *shareWorld) seedFlow(t *testing.T, tn shareTenant, m shareMember, visibility string) uuid.UUID {
	t.Helper()
	ctx := w.as(t, tn, m)
	flow, team := tenancy.NewID(), uuid.NullUUID{}
	if visibility == "team" {
		team = uuid.NullUUID{UUID: tenancy.NewID(), Valid: true}
		w.exec(t, ctx, `INSERT INTO teams (tenant_id, id, name) VALUES ($1, $2, $3)`, tn.id.UUID(), team.UUID, "Team "+team.UUID.String()[24:])
		w.exec(t, ctx, `INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3)`, tn.id.UUID(), team.UUID, m.id.UUID())
	}
	w.exec(t, ctx, `INSERT INTO flows (tenant_id, id, author_id, team_id, title, kind, visibility, draft_graph)
		VALUES ($1, $2, $3, $4, 'Outlook does not start', 'troubleshooting', $5, $6)`, tn.id.UUID(), flow, m.id.UUID(), team, visibility, shareSnapshot)
	w.exec(t, ctx, `INSERT INTO flow_versions (tenant_id, id, flow_id, version, title, kind, graph, published_by)
		VALUES ($1, $2, $3, 1, 'Outlook does not start', 'troubleshooting', $4, $5)`, tn.id.UUID(), tenancy.NewID(), flow, shareSnapshot, m.id.UUID())
	w.exec(t, ctx, `UPDATE flows SET current_version = 1 WHERE tenant_id = $1 AND id = $2`, tn.id.UUID(), flow)
	return flow
}

// allowPublic sets tenant tn's allow_public_shares through the service, as its admin.
func (w *shareWorld) allowPublic(t *testing.T, tn shareTenant, allow bool) {
	t.Helper()
	if _, err := w.svc.UpdateSettings(w.as(t, tn, tn.admin), flows.FlowsSettingsChange{AllowPublicShares: &allow}); err != nil {
		t.Fatal(err)
	}
}

// share creates a share link of session as member m and returns it with its token.
func (w *shareWorld) share(t *testing.T, tn shareTenant, m shareMember, session uuid.UUID, visibility string) flows.NewShare {
	t.Helper()
	sh, err := w.svc.CreateShare(w.as(t, tn, m), session, flows.ShareInput{Name: "for the client", Visibility: visibility})
	if err != nil {
		t.Fatalf("create %s share: %v", visibility, err)
	}
	return sh
}

// views returns a share's view_count and its number of view rows, read in tenant tn.
func (w *shareWorld) views(t *testing.T, tn shareTenant, share uuid.UUID) (count, rows int64) {
	t.Helper()
	ctx := w.as(t, tn, tn.admin)
	count = w.count(t, ctx, `SELECT view_count FROM flow_session_shares WHERE tenant_id = $1 AND id = $2`, tn.id.UUID(), share)
	rows = w.count(t, ctx, `SELECT count(*) FROM flow_session_share_views WHERE tenant_id = $1 AND share_id = $2`, tn.id.UUID(), share)
	return count, rows
}

// visitor is an anonymous visitor, or member m of tenant tn signed in to it.
func visitor(tn *shareTenant, m *shareMember) flows.Visitor {
	v := flows.Visitor{UserAgent: "Mozilla/5.0 (test)"}
	if m != nil {
		v.User, v.Tenant = m.id, tn.id
	}
	return v
}
