package flows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
)

// Draft is a flow's working copy with what keeps it from being published. Drafts are stored as they
// are: an editor saves half-made graphs and shows the problems on their nodes.
type Draft struct {
	Graph     graph.Graph    `json:"graph"`
	UpdatedAt time.Time      `json:"updated_at"`
	Problems  []DraftProblem `json:"problems" doc:"What graph validation finds; publishing needs none"`
}

// DraftProblem is one problem of a draft graph, on a node when NodeID is set.
type DraftProblem struct {
	NodeID  string `json:"node_id,omitempty" doc:"The node concerned; absent for the graph as a whole"`
	Field   string `json:"field" doc:"The path of the offending value in the graph" example:"nodes[3].options[1].next"`
	Message string `json:"message"`
}

// draftOf builds a draft and its problems.
func draftOf(g graph.Graph, at time.Time) Draft {
	d := Draft{Graph: g, UpdatedAt: at, Problems: []DraftProblem{}}
	var ve *graph.ValidationError
	if errors.As(graph.Validate(g), &ve) {
		for _, p := range ve.Problems {
			d.Problems = append(d.Problems, DraftProblem(p))
		}
	}
	return d
}

// GetDraft returns the draft of a flow the caller can see (NotFound otherwise), with its problems.
func (s *Service) GetDraft(ctx context.Context, id uuid.UUID) (Draft, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Draft{}, fail("get draft", err)
	}
	var out Draft
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := visibleFlow(ctx, st, c, id); err != nil {
			return err
		}
		r, err := st.GetDraft(ctx, store.GetDraftParams{TenantID: c.tenant, ID: id})
		if err != nil {
			return found(err)
		}
		g, err := decodeGraph(r.DraftGraph)
		out = draftOf(g, r.DraftUpdatedAt)
		return err
	})
	return out, fail("get draft", err)
}

// SaveDraft replaces a flow's draft, valid or not, and returns it with its problems. The 404/403
// split is UpdateFlow's.
func (s *Service) SaveDraft(ctx context.Context, id uuid.UUID, g graph.Graph) (Draft, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Draft{}, fail("save draft", err)
	}
	b, err := encodeGraph(g)
	if err != nil {
		return Draft{}, fail("save draft", err)
	}
	var out Draft
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := editableFlow(ctx, st, c, id); err != nil {
			return err
		}
		at, err := st.SaveDraft(ctx, store.SaveDraftParams{TenantID: c.tenant, ID: id, DraftGraph: b})
		if err != nil {
			return err
		}
		if g.Nodes == nil {
			g.Nodes = []graph.Node{}
		}
		out = draftOf(g, at)
		return record(ctx, q, "flow.draft_save", "flow", id, map[string]any{"nodes": len(g.Nodes), "problems": len(out.Problems)})
	})
	return out, fail("save draft", err)
}

// graphInvalid turns graph problems into an Invalid error whose field errors name the node: the
// location is the value's path under body.graph, the message starts with the node id.
func graphInvalid(msg string, problems []graph.Problem, cause error) *errs.Error {
	e := &errs.Error{Kind: errs.Invalid, Message: msg, Err: cause}
	for _, p := range problems {
		m := p.Message
		if p.NodeID != "" {
			m = fmt.Sprintf("node %q: %s", p.NodeID, m)
		}
		e.Fields = append(e.Fields, errs.FieldError{Location: "body.graph." + p.Field, Message: m})
	}
	return e
}
