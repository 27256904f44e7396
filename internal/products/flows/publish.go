package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Publish makes a flow's draft its next immutable version: 1, 2, 3... per flow, without gaps or
// duplicates under concurrent publications (they take turns on the flow's row lock). The draft
// must pass graph.Validate, its sub-flow nodes must open published flows the caller can see, and
// no sub-flow cycle may form across the tenant's published versions; otherwise the error is
// Invalid with one field error per problem, located at the node (body.graph.nodes[i]...), and
// nothing is written. The 404/403 split is UpdateFlow's.
func (s *Service) Publish(ctx context.Context, id uuid.UUID) (Version, error) {
	out, err := s.publish(ctx, id)
	return out, fail("publish", err)
}

func (s *Service) publish(ctx context.Context, id uuid.UUID) (Version, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Version{}, err
	}
	var out Version
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		f, err := editableFlow(ctx, st, c, id)
		if err != nil {
			return err
		}
		d, err := st.GetDraft(ctx, store.GetDraftParams{TenantID: c.tenant, ID: id})
		if err != nil {
			return err
		}
		g, err := decodeGraph(d.DraftGraph)
		if err != nil {
			return err
		}
		if err := publishable(ctx, st, c, id, g); err != nil {
			return err
		}
		out, err = insertVersion(ctx, st, c, f, g)
		if err != nil {
			return err
		}
		return record(ctx, q, "flow.publish", "flow", id, map[string]any{"version": out.Version})
	})
	return out, err
}

// insertVersion numbers and stores the next version of a locked flow and makes it current.
func insertVersion(ctx context.Context, st *store.Queries, c caller, f store.GetFlowRow, g graph.Graph) (Version, error) {
	b, err := encodeGraph(g)
	if err != nil {
		return Version{}, err
	}
	next, err := st.NextVersion(ctx, store.NextVersionParams{TenantID: c.tenant, FlowID: f.ID})
	if err != nil {
		return Version{}, err
	}
	err = st.InsertVersion(ctx, store.InsertVersionParams{TenantID: c.tenant, ID: tenancy.NewID(), FlowID: f.ID, Version: next,
		Title: f.Title, Description: f.Description, Kind: f.Kind, Graph: b, PublishedBy: c.user})
	if err != nil {
		return Version{}, err
	}
	if err := st.SetCurrentVersion(ctx, store.SetCurrentVersionParams{TenantID: c.tenant, ID: f.ID, CurrentVersion: &next}); err != nil {
		return Version{}, err
	}
	r, err := st.GetVersion(ctx, store.GetVersionParams{TenantID: c.tenant, FlowID: f.ID, Version: next})
	if err != nil {
		return Version{}, err
	}
	return versionOf(f.ID, store.ListVersionsRow{Version: r.Version, Title: r.Title, Description: r.Description, Kind: r.Kind,
		PublishedBy: r.PublishedBy, PublishedAt: r.PublishedAt}, &g), nil
}

// errNotPublishable is the message of every Invalid a publication returns.
const errNotPublishable = "the draft cannot be published"

// publishable checks a draft for publication: graph.Validate, then its sub-flow references.
func publishable(ctx context.Context, st *store.Queries, c caller, id uuid.UUID, g graph.Graph) error {
	if err := graph.Validate(g); err != nil {
		var ve *graph.ValidationError
		if errors.As(err, &ve) {
			return graphInvalid(errNotPublishable, ve.Problems, ve)
		}
		return err
	}
	refs := graph.SubflowRefs(g)
	if len(refs) == 0 {
		return nil
	}
	if err := st.LockSubflowGraph(ctx, c.tenant); err != nil {
		return err
	}
	if err := checkSubflowTargets(ctx, st, c, id, g, refs); err != nil {
		return err
	}
	err := graph.CheckSubflowCycle(id, func(f uuid.UUID) ([]uuid.UUID, error) {
		if f == id {
			return refs, nil
		}
		return publishedRefs(ctx, st, c.tenant, f)
	})
	var ce *graph.CycleError
	if errors.As(err, &ce) {
		return cycleInvalid(id, g, ce)
	}
	return err
}

// checkSubflowTargets requires every flow a sub-flow node opens (but the flow itself, which the
// cycle check reports) to be a live, published flow the caller can see. Any other id, another
// tenant's included, gets the same problem on its node.
func checkSubflowTargets(ctx context.Context, st *store.Queries, c caller, id uuid.UUID, g graph.Graph, refs []uuid.UUID) error {
	ok, err := st.SubflowTargets(ctx, store.SubflowTargetsParams{TenantID: c.tenant, UserID: c.user, Ids: refs})
	if err != nil {
		return err
	}
	var problems []graph.Problem
	for i, n := range g.Nodes {
		if n.Type == graph.TypeSubflow && n.FlowID != id && !slices.Contains(ok, n.FlowID) {
			problems = append(problems, graph.Problem{NodeID: n.ID, Field: fmt.Sprintf("nodes[%d].flow_id", i),
				Message: "no published flow that you can see has this id"})
		}
	}
	if len(problems) > 0 {
		return graphInvalid(errNotPublishable, problems, nil)
	}
	return nil
}

// publishedRefs returns the flows that a flow's current published version opens; none for a flow
// that is deleted or was never published.
func publishedRefs(ctx context.Context, st *store.Queries, tenant, flow uuid.UUID) ([]uuid.UUID, error) {
	b, err := st.LatestGraph(ctx, store.LatestGraphParams{TenantID: tenant, ID: flow})
	if postgres.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	g, err := decodeGraph(b)
	if err != nil {
		return nil, err
	}
	return graph.SubflowRefs(g), nil
}

// cycleInvalid reports a sub-flow cycle on the nodes of the draft that open its first step.
func cycleInvalid(id uuid.UUID, g graph.Graph, ce *graph.CycleError) error {
	names := make([]string, len(ce.Path))
	for i, f := range ce.Path {
		names[i] = f.String()
	}
	msg := "sub-flows would open each other in a cycle: " + strings.Join(names, " → ")
	var problems []graph.Problem
	if len(ce.Path) > 1 && ce.Path[0] == id {
		for i, n := range g.Nodes {
			if n.Type == graph.TypeSubflow && n.FlowID == ce.Path[1] {
				problems = append(problems, graph.Problem{NodeID: n.ID, Field: fmt.Sprintf("nodes[%d].flow_id", i), Message: msg})
			}
		}
	}
	if len(problems) == 0 {
		problems = []graph.Problem{{Field: "nodes", Message: msg}}
	}
	return graphInvalid(errNotPublishable, problems, ce)
}
