package flows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// world is one test's database: tenant A with an admin, two operators in team "desk" (olga and
// otto), an operator outside it (oscar) and a viewer in it (vera); tenant B with an admin. Every
// context is scoped like a request of that member, as the application role.
type world struct {
	db     *postgres.DB
	svc    *flows.Service
	a, b   tenancy.TenantID
	desk   uuid.UUID // a team of A: olga, otto, vera
	admin  context.Context
	olga   context.Context
	otto   context.Context
	oscar  context.Context
	vera   context.Context
	adminB context.Context
	ids    map[context.Context]uuid.UUID // the user of each context
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldIn(t, testenv.NewDB(t))
}

// newWorldIn is newWorld on env (for tests that also connect to it otherwise).
func newWorldIn(t *testing.T, env testenv.DB) *world {
	t.Helper()
	db := env.Open(t, 8)
	w := &world{db: db, svc: flows.New(db, slog.New(slog.DiscardHandler)), ids: map[context.Context]uuid.UUID{}}
	w.a, w.b = tenancy.TenantID(tenancy.NewID()), tenancy.TenantID(tenancy.NewID())
	w.admin = w.member(t, w.a, tenancy.RoleAdmin, true)
	w.olga = w.member(t, w.a, tenancy.RoleOperator, false)
	w.otto = w.member(t, w.a, tenancy.RoleOperator, false)
	w.oscar = w.member(t, w.a, tenancy.RoleOperator, false)
	w.vera = w.member(t, w.a, tenancy.RoleViewer, false)
	w.adminB = w.member(t, w.b, tenancy.RoleAdmin, true)
	w.desk = w.team(t, w.admin, "Desk", w.olga, w.otto, w.vera)
	return w
}

// member creates a user with a membership of tenant (and the tenant, when fresh) through the scoped
// helper, and returns a context scoped like that member's requests.
func (w *world) member(t *testing.T, tenant tenancy.TenantID, role tenancy.Role, fresh bool) context.Context {
	t.Helper()
	user := tenancy.UserID(tenancy.NewID())
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: tenant, Role: role,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: user}})
	if err != nil {
		t.Fatal(err)
	}
	w.exec(t, ctx, func(q postgres.Querier) error {
		if fresh {
			if _, err := q.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)`, tenant.UUID(), "t-"+tenant.String()); err != nil {
				return err
			}
		}
		if _, err := q.Exec(ctx, `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, 'U', 'x')`,
			user.UUID(), user.String()+"@example.com"); err != nil {
			return err
		}
		_, err := q.Exec(ctx, `INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, $4)`,
			tenant.UUID(), tenancy.NewID(), user.UUID(), string(role))
		return err
	})
	w.ids[ctx] = user.UUID()
	return ctx
}

// team creates a team of ctx's tenant with the members of the given contexts.
func (w *world) team(t *testing.T, ctx context.Context, name string, members ...context.Context) uuid.UUID {
	t.Helper()
	id := tenancy.NewID()
	tenant := tenantOf(t, ctx)
	w.exec(t, ctx, func(q postgres.Querier) error {
		if _, err := q.Exec(ctx, `INSERT INTO teams (tenant_id, id, name) VALUES ($1, $2, $3)`, tenant, id, name); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := q.Exec(ctx, `INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3)`, tenant, id, w.ids[m]); err != nil {
				return err
			}
		}
		return nil
	})
	return id
}

func (w *world) exec(t *testing.T, ctx context.Context, fn func(q postgres.Querier) error) {
	t.Helper()
	if err := w.db.Tx(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// count runs a count(*) of the tenant's rows of a table (with an optional condition on $2) in ctx.
func (w *world) count(t *testing.T, ctx context.Context, sql string, args ...any) int {
	t.Helper()
	var n int
	err := w.db.Read(ctx, func(q postgres.Querier) error {
		return q.QueryRow(ctx, sql, append([]any{tenantOf(t, ctx)}, args...)...).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func tenantOf(t *testing.T, ctx context.Context) uuid.UUID {
	t.Helper()
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sc.Tenant.UUID()
}

// mustFlow creates a flow in ctx, failing the test on error.
func (w *world) mustFlow(t *testing.T, ctx context.Context, nf flows.NewFlow) flows.Flow {
	t.Helper()
	if nf.Kind == "" {
		nf.Kind = flows.KindTroubleshooting
	}
	if nf.Title == "" {
		nf.Title = "Outlook does not start"
	}
	f, err := w.svc.CreateFlow(ctx, nf)
	if err != nil {
		t.Fatalf("create flow: %v", err)
	}
	return f
}

// validGraph is a small publishable graph: start → (yes: done | no: fix → done). With a flow id it
// opens that flow as a sub-flow on the way from fix to done.
func validGraph(subflow ...uuid.UUID) graph.Graph {
	g := graph.Graph{Nodes: []graph.Node{
		{ID: "start", Type: graph.TypeQuestion, Title: "Does it start?", Start: true, Options: []graph.Option{
			{ID: "yes", Label: "Yes", Next: "done"}, {ID: "no", Label: "No", Next: "fix"}}},
		{ID: "fix", Type: graph.TypeInstruction, Title: "Restart in safe mode", Command: "outlook.exe /safe", Next: "done"},
		{ID: "done", Type: graph.TypeResolution, Title: "Fixed", Outcome: graph.OutcomeResolved},
	}}
	for i, f := range subflow {
		id := fmt.Sprintf("sub%d", i)
		g.Nodes[1].Next = id
		g.Nodes = append(g.Nodes, graph.Node{ID: id, Type: graph.TypeSubflow, Title: "Run the other flow", FlowID: f, Next: "done"})
	}
	return g
}

// wantKind fails unless err has kind k.
func wantKind(t *testing.T, err error, k errs.Kind, what string) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("%s: want %s, got %v", what, k, err)
	}
}

// wantNotFound fails unless err is the one NotFound of the API.
func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("%s: want the one NotFound, got %v", what, err)
	}
}

// wantField fails unless err is Invalid with a field error at location, and returns its message.
func wantField(t *testing.T, err error, location string) string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("want Invalid at %s, got %v", location, err)
	}
	for _, f := range e.Fields {
		if f.Location == location {
			return f.Message
		}
	}
	t.Fatalf("want a field error at %s, got %+v", location, e.Fields)
	return ""
}
