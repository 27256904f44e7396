package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// sessWorld is the sessions and library tests' world: tenant A with operators alice, bob and carol,
// viewer vic and admin adam, and a team of alice and carol; tenant B with its owner mallory. Rows
// are written as the application role through the scoped helper.
type sessWorld struct {
	db                                    *postgres.DB
	svc                                   *flows.Service
	a, b                                  uuid.UUID
	alice, bob, carol, vic, adam, mallory sessUser
	team                                  uuid.UUID
}

// sessUser is a member and a context scoped to them in their tenant.
type sessUser struct {
	id, tenant uuid.UUID
	role       tenancy.Role
	ctx        context.Context
}

func newSessWorld(t *testing.T) *sessWorld {
	t.Helper()
	db := testenv.NewDB(t).Open(t, 8)
	w := &sessWorld{db: db, svc: flows.New(db, slog.New(slog.DiscardHandler)), a: tenancy.NewID(), b: tenancy.NewID()}
	w.alice = w.addMember(t, w.a, "alice", tenancy.RoleOperator, true)
	w.bob = w.addMember(t, w.a, "bob", tenancy.RoleOperator, false)
	w.carol = w.addMember(t, w.a, "carol", tenancy.RoleOperator, false)
	w.vic = w.addMember(t, w.a, "vic", tenancy.RoleViewer, false)
	w.adam = w.addMember(t, w.a, "adam", tenancy.RoleAdmin, false)
	w.mallory = w.addMember(t, w.b, "mallory", tenancy.RoleOwner, true)
	w.team = tenancy.NewID()
	w.exec(t, w.alice.ctx, `INSERT INTO teams (tenant_id, id, name) VALUES ($1, $2, 'Service desk')`, w.a, w.team)
	for _, u := range []sessUser{w.alice, w.carol} {
		w.exec(t, w.alice.ctx, `INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3)`, w.a, w.team, u.id)
	}
	return w
}

// addMember creates a user and their membership (and the tenant first, when newTenant).
func (w *sessWorld) addMember(t *testing.T, tenant uuid.UUID, name string, role tenancy.Role, newTenant bool) sessUser {
	t.Helper()
	u := sessUser{id: tenancy.NewID(), tenant: tenant, role: role}
	u.ctx = scopedAs(t, tenant, u.id, role, tenancy.PrincipalUser)
	if newTenant {
		w.exec(t, u.ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, tenant, "Tenant "+name, "t-"+tenant.String())
	}
	w.exec(t, u.ctx, `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'x')`, u.id, name+"-"+u.id.String()[:8]+"@example.com", name)
	w.exec(t, u.ctx, `INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, $4)`, tenant, tenancy.NewID(), u.id, string(role))
	return u
}

func scopedAs(t *testing.T, tenant, user uuid.UUID, role tenancy.Role, kind tenancy.PrincipalKind) context.Context {
	t.Helper()
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: tenancy.TenantID(tenant), Role: role,
		Principal: tenancy.Principal{Kind: kind, UserID: tenancy.UserID(user)}})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// exec runs one statement in a transaction scoped by ctx.
func (w *sessWorld) exec(t *testing.T, ctx context.Context, sql string, args ...any) {
	t.Helper()
	err := w.db.Tx(ctx, func(q postgres.Querier) error {
		_, err := q.Exec(ctx, sql, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// flow creates a flow of author's with a draft and no published version.
func (w *sessWorld) flow(t *testing.T, author sessUser, visibility string, team *uuid.UUID) uuid.UUID {
	t.Helper()
	id := tenancy.NewID()
	w.exec(t, author.ctx, `INSERT INTO flows (tenant_id, id, author_id, team_id, title, kind, visibility, draft_graph)
		VALUES ($1, $2, $3, $4, 'Outlook does not start', 'troubleshooting', $5, '{"nodes": []}')`,
		author.tenant, id, author.id, team, visibility)
	return id
}

// publish stores g as version n of the flow and makes it current.
func (w *sessWorld) publish(t *testing.T, author sessUser, flow uuid.UUID, n int, g graph.Graph) {
	t.Helper()
	if err := graph.Validate(g); err != nil {
		t.Fatalf("test graph: %v", err)
	}
	doc, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	w.exec(t, author.ctx, `INSERT INTO flow_versions (tenant_id, id, flow_id, version, title, kind, graph, published_by)
		VALUES ($1, $2, $3, $4, $5, 'troubleshooting', $6, $7)`,
		author.tenant, tenancy.NewID(), flow, n, fmt.Sprintf("Outlook does not start v%d", n), doc, author.id)
	w.exec(t, author.ctx, `UPDATE flows SET current_version = $3 WHERE tenant_id = $1 AND id = $2`, author.tenant, flow, n)
}

// publishedFlow creates an account-visible flow of author's with sessGraph published as version 1.
func (w *sessWorld) publishedFlow(t *testing.T, author sessUser) uuid.UUID {
	t.Helper()
	id := w.flow(t, author, "account", nil)
	w.publish(t, author, id, 1, sessGraph("Which symptom?"))
	return id
}

// start starts a session of user's on flow.
func (w *sessWorld) start(t *testing.T, u sessUser, flow uuid.UUID) flows.FlowSession {
	t.Helper()
	s, err := w.svc.CreateSession(u.ctx, flows.NewSession{FlowID: flow, TicketNumber: "T-100", ClientName: "Acme"})
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	return s
}

// sessGraph is the test flow:
//
//	q (start) --a--> ins --> ok (resolved)
//	          --b--> inp (n number, required; pick choice) --> lg --(n > 10)--> esc (escalated)
//	                                                           --(default)--> un (unresolved)
//	          --c--> ok
func sessGraph(title string) graph.Graph {
	return graph.Graph{Nodes: []graph.Node{
		{ID: "q", Type: graph.TypeQuestion, Title: title, Start: true, Options: []graph.Option{
			{ID: "a", Label: "Restart it", Next: "ins"}, {ID: "b", Label: "Measure it", Next: "inp"}, {ID: "c", Label: "Already fine", Next: "ok"},
		}},
		{ID: "ins", Type: graph.TypeInstruction, Title: "Restart Outlook in safe mode", Command: "outlook.exe /safe", Next: "ok"},
		{ID: "inp", Type: graph.TypeInput, Title: "How many add-ins?", Next: "lg", Fields: []graph.Field{
			{Name: "n", Label: "Add-ins", Type: graph.FieldNumber, Required: true},
			{Name: "pick", Label: "Edition", Type: graph.FieldChoice, Choices: []string{"x", "y"}},
		}},
		{ID: "lg", Type: graph.TypeLogic, Title: "Many add-ins?", Default: "un", Rules: []graph.Rule{
			{Variable: "n", Op: graph.OpGt, Value: 10.0, Next: "esc"},
		}},
		{ID: "ok", Type: graph.TypeResolution, Title: "Fixed", Outcome: graph.OutcomeResolved},
		{ID: "esc", Type: graph.TypeResolution, Title: "Escalated", Outcome: graph.OutcomeEscalated},
		{ID: "un", Type: graph.TypeResolution, Title: "Not fixed", Outcome: graph.OutcomeUnresolved},
	}}
}

// expectKind fails unless err has kind k.
func expectKind(t *testing.T, err error, k errs.Kind, what string) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != k {
		t.Fatalf("%s: error %v (kind %v), want kind %v", what, err, got, k)
	}
}

// expectNotFound fails unless err becomes exactly the problem a random id gets: same body, same
// headers.
func expectNotFound(t *testing.T, err error, what string) {
	t.Helper()
	expectKind(t, err, errs.NotFound, what)
	log := slog.New(slog.DiscardHandler)
	got, want := httpapi.ProblemOf(t.Context(), log, err), httpapi.ProblemOf(t.Context(), log, errs.ErrNotFound)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) || !reflect.DeepEqual(got.GetHeaders(), want.GetHeaders()) {
		t.Fatalf("%s: problem %s %v, want %s %v", what, gb, got.GetHeaders(), wb, want.GetHeaders())
	}
}

// expectField fails unless err is Invalid with a field error at location.
func expectField(t *testing.T, err error, location, what string) {
	t.Helper()
	expectKind(t, err, errs.Invalid, what)
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v is not an *errs.Error", what, err)
	}
	for _, f := range e.Fields {
		if f.Location == location {
			return
		}
	}
	t.Fatalf("%s: field errors %+v, want one at %s", what, e.Fields, location)
}

func ptrTo[T any](v T) *T { return &v }
