package identity_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2/humatest"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// teamsWorld is a database with two tenants: A with an admin and two more members, B with an admin.
type teamsWorld struct {
	db                 *postgres.DB
	svc                *identity.Service
	adminA, ann, bob   teamUser
	adminB             teamUser
	tenantA, tenantB   tenancy.TenantID
	ctxA, ctxB, viewer context.Context
}

// teamUser is a seeded member.
type teamUser struct {
	tenant tenancy.TenantID
	id     tenancy.UserID
}

func (u teamUser) ctx(t *testing.T, role tenancy.Role) context.Context {
	t.Helper()
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: u.tenant, Role: role,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: u.id}})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func newTeamsWorld(t *testing.T) *teamsWorld {
	t.Helper()
	db := testenv.NewDB(t).Open(t, 4)
	keys, err := auth.NewKeys("k1", map[string][]byte{"k1": []byte(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewHasher(auth.HasherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := identity.New(db, slog.New(slog.DiscardHandler), identity.Config{Hasher: hasher, SecretKey: make([]byte, secretbox.KeySize),
		Tokens: &auth.Tokens{Keys: keys, Issuer: "test", Audience: "test", TTL: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	w := &teamsWorld{db: db, svc: svc}
	w.adminA = seedMember(t, db, tenancy.TenantID{}, "admin")
	w.tenantA = w.adminA.tenant
	w.ann = seedMember(t, db, w.tenantA, "operator")
	w.bob = seedMember(t, db, w.tenantA, "viewer")
	w.adminB = seedMember(t, db, tenancy.TenantID{}, "admin")
	w.tenantB = w.adminB.tenant
	w.ctxA, w.ctxB = w.adminA.ctx(t, tenancy.RoleAdmin), w.adminB.ctx(t, tenancy.RoleAdmin)
	w.viewer = w.bob.ctx(t, tenancy.RoleViewer)
	return w
}

// seedMember creates a user and their membership with role, through the scoped helper; with a zero
// tenant it creates the tenant too.
func seedMember(t *testing.T, db *postgres.DB, tenant tenancy.TenantID, role string) teamUser {
	t.Helper()
	u := teamUser{tenant: tenant, id: tenancy.UserID(tenancy.NewID())}
	fresh := tenant.IsZero()
	if fresh {
		u.tenant = tenancy.TenantID(tenancy.NewID())
	}
	ctx := u.ctx(t, tenancy.RoleOwner)
	err := db.Tx(ctx, func(q postgres.Querier) error {
		if fresh {
			if _, err := q.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)`, u.tenant.UUID(), "t-"+u.tenant.String()); err != nil {
				return err
			}
		}
		if _, err := q.Exec(ctx, `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'x')`,
			u.id.UUID(), u.id.String()+"@example.com", "User "+u.id.String()[30:]); err != nil {
			return err
		}
		_, err := q.Exec(ctx, `INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, $4)`,
			u.tenant.UUID(), tenancy.NewID(), u.id.UUID(), role)
		return err
	})
	if err != nil {
		t.Fatalf("seed member: %v", err)
	}
	return u
}

// auditActions returns the actions of the tenant's audit log in ctx, oldest first.
func auditActions(t *testing.T, db *postgres.DB, ctx context.Context) []string {
	t.Helper()
	sc, _ := tenancy.FromContext(ctx)
	var out []string
	err := db.Read(ctx, func(q postgres.Querier) error {
		rows, err := q.Query(ctx, `SELECT action FROM audit_events WHERE tenant_id = $1 ORDER BY id`, sc.Tenant.UUID())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantKind(t *testing.T, err error, k errs.Kind, what string) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("%s: want %s, got %v", what, k, err)
	}
}

func TestTeamsLifecycle(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	ops, err := w.svc.CreateTeam(w.ctxA, "  Operations ")
	if err != nil || ops.Name != "Operations" || ops.MemberCount != 0 {
		t.Fatalf("create: %+v, %v", ops, err)
	}
	_, err = w.svc.CreateTeam(w.ctxA, "operations")
	wantKind(t, err, errs.Conflict, "duplicate name, other case")
	_, err = w.svc.CreateTeam(w.ctxA, strings.Repeat("x", 101))
	wantKind(t, err, errs.Invalid, "name too long")
	if _, err := w.svc.CreateTeam(w.ctxB, "Operations"); err != nil {
		t.Fatalf("another tenant may use the same name: %v", err)
	}
	desk, err := w.svc.CreateTeam(w.ctxA, "Desk")
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.svc.GetTeam(w.viewer, ops.ID)
	if err != nil || got.ID != ops.ID {
		t.Fatalf("get as viewer: %+v, %v", got, err)
	}
	// Pages of one, by name: Desk, then Operations.
	var names []string
	page := httpapi.PageInput{Limit: 1}
	for {
		p, err := identity.ListTeamsPage(w.viewer, w.svc, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, tm := range p.Items {
			names = append(names, tm.Name)
		}
		if p.NextCursor == "" {
			break
		}
		page.Cursor = p.NextCursor
	}
	if fmt.Sprint(names) != "[Desk Operations]" {
		t.Errorf("list: %v", names)
	}
	_, err = w.svc.RenameTeam(w.ctxA, desk.ID, "OPERATIONS")
	wantKind(t, err, errs.Conflict, "rename onto another team's name")
	renamed, err := w.svc.RenameTeam(w.ctxA, desk.ID, "Service desk")
	if err != nil || renamed.Name != "Service desk" {
		t.Fatalf("rename: %+v, %v", renamed, err)
	}
	if err := w.svc.DeleteTeam(w.ctxA, desk.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.GetTeam(w.ctxA, desk.ID)
	wantKind(t, err, errs.NotFound, "get a deleted team")
	want := "[team.create team.create team.rename team.delete]"
	if got := fmt.Sprint(auditActions(t, w.db, w.ctxA)); got != want {
		t.Errorf("audit: %s, want %s", got, want)
	}
}

func TestTeamMembers(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	ops, _ := w.svc.CreateTeam(w.ctxA, "Operations")
	desk, _ := w.svc.CreateTeam(w.ctxA, "Desk")
	for _, team := range []uuid.UUID{ops.ID, desk.ID} { // a member may be in several teams
		if _, err := w.svc.AddTeamMember(w.ctxA, team, w.ann.id.UUID()); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.svc.AddTeamMember(w.ctxA, ops.ID, w.ann.id.UUID()) // again: no change
	if err != nil || m.UserID != w.ann.id.UUID() {
		t.Fatalf("add twice: %+v, %v", m, err)
	}
	if _, err := w.svc.AddTeamMember(w.ctxA, ops.ID, w.bob.id.UUID()); err != nil {
		t.Fatal(err)
	}
	// A member of another tenant, and a random id: the same Invalid, and nothing written.
	for _, user := range []uuid.UUID{w.adminB.id.UUID(), uuid.New()} {
		_, err := w.svc.AddTeamMember(w.ctxA, ops.ID, user)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Fields[0].Location != "body.user_id" {
			t.Fatalf("add a non-member: %v", err)
		}
	}
	p, err := identity.ListTeamMembersPage(w.viewer, w.svc, ops.ID, httpapi.PageInput{})
	if err != nil || len(p.Items) != 2 {
		t.Fatalf("members: %+v, %v", p, err)
	}
	if got, _ := w.svc.GetTeam(w.ctxA, ops.ID); got.MemberCount != 2 {
		t.Errorf("member_count %d, want 2", got.MemberCount)
	}
	if err := w.svc.RemoveTeamMember(w.ctxA, ops.ID, w.bob.id.UUID()); err != nil {
		t.Fatal(err)
	}
	wantKind(t, w.svc.RemoveTeamMember(w.ctxA, ops.ID, w.bob.id.UUID()), errs.NotFound, "remove twice")
	wantKind(t, w.svc.RemoveTeamMember(w.ctxA, uuid.New(), w.ann.id.UUID()), errs.NotFound, "remove from an unknown team")
	want := "[team.create team.create team.member_add team.member_add team.member_add team.member_remove]"
	if got := fmt.Sprint(auditActions(t, w.db, w.ctxA)); got != want {
		t.Errorf("audit: %s, want %s", got, want)
	}
	// Leaving the tenant takes the member out of its teams.
	err = w.db.Tx(w.ctxA, func(q postgres.Querier) error {
		_, err := q.Exec(w.ctxA, `DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, w.tenantA.UUID(), w.ann.id.UUID())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := identity.ListTeamMembersPage(w.ctxA, w.svc, desk.ID, httpapi.PageInput{}); len(p.Items) != 0 {
		t.Errorf("a removed member is still in a team: %+v", p.Items)
	}
}

// TestTeamsAcrossTenants: every operation on another tenant's team answers NotFound, exactly like
// a random id, and changes nothing.
func TestTeamsAcrossTenants(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	team, _ := w.svc.CreateTeam(w.ctxA, "Operations")
	if _, err := w.svc.AddTeamMember(w.ctxA, team.ID, w.ann.id.UUID()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{team.ID, uuid.New()} {
		ops := map[string]error{}
		_, ops["get"] = w.svc.GetTeam(w.ctxB, id)
		_, ops["rename"] = w.svc.RenameTeam(w.ctxB, id, "Mine")
		ops["delete"] = w.svc.DeleteTeam(w.ctxB, id)
		_, ops["list members"] = identity.ListTeamMembersPage(w.ctxB, w.svc, id, httpapi.PageInput{})
		_, ops["add member"] = w.svc.AddTeamMember(w.ctxB, id, w.adminB.id.UUID())
		ops["remove member"] = w.svc.RemoveTeamMember(w.ctxB, id, w.ann.id.UUID())
		for name, err := range ops {
			if !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("%s of %s as B: want the one NotFound, got %v", name, id, err)
			}
		}
	}
	if p, _ := identity.ListTeamsPage(w.ctxB, w.svc, httpapi.PageInput{}); len(p.Items) != 0 {
		t.Errorf("B lists A's teams: %+v", p.Items)
	}
	if got, _ := w.svc.GetTeam(w.ctxA, team.ID); got.Name != "Operations" || got.MemberCount != 1 {
		t.Errorf("A's team changed: %+v", got)
	}
}

// TestDeleteTeamInUse: a team that a flow names cannot be deleted (409) and stays whole.
func TestDeleteTeamInUse(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	team, _ := w.svc.CreateTeam(w.ctxA, "Operations")
	if _, err := w.svc.AddTeamMember(w.ctxA, team.ID, w.ann.id.UUID()); err != nil {
		t.Fatal(err)
	}
	err := w.db.Tx(w.ctxA, func(q postgres.Querier) error {
		_, err := q.Exec(w.ctxA, `INSERT INTO flows (tenant_id, id, author_id, team_id, title, kind, visibility)
			VALUES ($1, $2, $3, $4, 'F', 'procedural', 'team')`, w.tenantA.UUID(), tenancy.NewID(), w.ann.id.UUID(), team.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, w.svc.DeleteTeam(w.ctxA, team.ID), errs.Conflict, "delete a team in use")
	if got, err := w.svc.GetTeam(w.ctxA, team.ID); err != nil || got.MemberCount != 1 {
		t.Errorf("the team changed: %+v, %v", got, err)
	}
}

// TestTeamRoutes registers the operations: each has a complete access declaration.
func TestTeamRoutes(t *testing.T) {
	_, api := humatest.New(t)
	identity.TeamRoutes(&identity.Service{}, api, slog.New(slog.DiscardHandler))
	if err := httpapi.CheckDeclared(api); err != nil {
		t.Fatal(err)
	}
	if n := len(api.OpenAPI().Paths); n != 4 {
		t.Errorf("%d paths, want 4", n)
	}
}
