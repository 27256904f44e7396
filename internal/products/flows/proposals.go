package flows

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Proposal statuses.
const (
	ProposalPending   = "pending"
	ProposalApproved  = "approved"
	ProposalEdited    = "edited"
	ProposalDismissed = "dismissed"
	ProposalRejected  = "rejected"
)

// FlowProposal is a proposed new flow, or a proposed enhancement of a flow, that the knowledge
// flywheel drew from a resolved AI session (or an admin filed by hand). Admins review it: approve
// (the flow, or the enhanced flow's draft, is written for editing), edit and publish, dismiss or
// reject. Tenant-scoped: another tenant's proposal is a 404.
type FlowProposal struct {
	ID                uuid.UUID      `json:"id" format:"uuid"`
	Kind              string         `json:"kind" enum:"new_flow,enhancement"`
	Status            string         `json:"status" enum:"pending,approved,edited,dismissed,rejected"`
	Title             string         `json:"title"`
	TargetFlowID      *uuid.UUID     `json:"target_flow_id" format:"uuid" doc:"The flow an enhancement changes"`
	SourceAISessionID *uuid.UUID     `json:"source_ai_session_id" format:"uuid" doc:"The resolved AI session it comes from (null when filed by hand, or once the session is deleted)"`
	ProposedGraph     *graph.Graph   `json:"proposed_graph,omitempty" doc:"The proposed graph; it passes the publication's graph validation"`
	Rationale         string         `json:"rationale"`
	Evidence          map[string]any `json:"evidence" doc:"What the proposal rests on: the session, its steps, the matched flow"`
	ResultFlowID      *uuid.UUID     `json:"result_flow_id" format:"uuid" doc:"The flow the approval or the publication wrote"`
	ReviewedBy        *uuid.UUID     `json:"reviewed_by" format:"uuid"`
	ReviewedAt        *time.Time     `json:"reviewed_at"`
	CreatedAt         time.Time      `json:"created_at"`
}

func proposalOf(r store.FlowProposal) (FlowProposal, error) {
	out := FlowProposal{ID: r.ID, Kind: r.Kind, Status: r.Status, Title: r.Title, TargetFlowID: idOrNil(r.TargetFlowID),
		SourceAISessionID: idOrNil(r.SourceAiSessionID), Rationale: r.Rationale, ResultFlowID: idOrNil(r.ResultFlowID),
		ReviewedBy: idOrNil(r.ReviewedBy), ReviewedAt: r.ReviewedAt, CreatedAt: r.CreatedAt, Evidence: map[string]any{}}
	g, err := decodeGraph(r.ProposedGraph)
	if err != nil {
		return out, err
	}
	out.ProposedGraph = &g
	return out, json.Unmarshal(r.Evidence, &out.Evidence)
}

// adminCaller is the caller of an admin operation (admins and owners; Forbidden otherwise).
func adminCaller(ctx context.Context) (caller, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return c, err
	}
	if !c.role.AtLeast(tenancy.RoleAdmin) {
		return c, errRole
	}
	return c, nil
}

// NewProposal is a proposal an admin files by hand.
type NewProposal struct {
	Kind         string     // new_flow or enhancement
	TargetFlowID *uuid.UUID // with enhancement: a flow of the tenant the caller can see
	Title        string
	Rationale    string
	Graph        graph.Graph
}

// CreateProposal files a proposal by hand (admins). The graph must pass graph.Validate; an
// enhancement names a flow the caller can see (another tenant's, or a random id, is Invalid).
func (s *Service) CreateProposal(ctx context.Context, in NewProposal) (FlowProposal, error) {
	c, err := adminCaller(ctx)
	if err != nil {
		return FlowProposal{}, fail("create proposal", err)
	}
	title, err := checkTitle(in.Title)
	switch {
	case err != nil:
		return FlowProposal{}, fail("create proposal", err)
	case in.Kind != "new_flow" && in.Kind != "enhancement":
		return FlowProposal{}, errs.Invalidf("body.kind", "must be new_flow or enhancement")
	case (in.Kind == "enhancement") != (in.TargetFlowID != nil):
		return FlowProposal{}, errs.Invalidf("body.target_flow_id", "is required for an enhancement, and only for one")
	case len([]rune(in.Rationale)) > 5000:
		return FlowProposal{}, errs.Invalidf("body.rationale", "must be at most 5000 characters")
	}
	if err := validGraph(in.Graph); err != nil {
		return FlowProposal{}, fail("create proposal", err)
	}
	b, err := encodeGraph(in.Graph)
	if err != nil {
		return FlowProposal{}, fail("create proposal", err)
	}
	id := tenancy.NewID()
	var out FlowProposal
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		p := store.InsertProposalParams{TenantID: c.tenant, ID: id, Kind: in.Kind, Title: title, ProposedGraph: b,
			Rationale: in.Rationale, Evidence: []byte(`{"source": "manual"}`), CreatedBy: uuid.NullUUID{UUID: c.user, Valid: true}}
		if in.TargetFlowID != nil {
			if _, err := visibleFlow(ctx, st, c, *in.TargetFlowID); err != nil {
				return errs.Invalidf("body.target_flow_id", "must be a flow you can see")
			}
			p.TargetFlowID = uuid.NullUUID{UUID: *in.TargetFlowID, Valid: true}
		}
		if _, err := st.InsertProposal(ctx, p); err != nil {
			return err
		}
		if err := record(ctx, q, "flow_proposal.create", "flow_proposal", id, map[string]any{"kind": in.Kind, "source": "manual"}); err != nil {
			return err
		}
		out, err = readProposal(ctx, st, c.tenant, id)
		return err
	})
	return out, fail("create proposal", err)
}

// validGraph runs the publication's graph validation, its problems as field errors.
func validGraph(g graph.Graph) error {
	if err := graph.Validate(g); err != nil {
		var ve *graph.ValidationError
		if errors.As(err, &ve) {
			return graphInvalid(errNotPublishable, ve.Problems, ve)
		}
		return err
	}
	return nil
}

func readProposal(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (FlowProposal, error) {
	r, err := st.GetProposal(ctx, store.GetProposalParams{TenantID: tenant, ID: id})
	if err != nil {
		return FlowProposal{}, found(err)
	}
	return proposalOf(r)
}

// GetProposal returns a proposal of the tenant (admins); any other id is NotFound.
func (s *Service) GetProposal(ctx context.Context, id uuid.UUID) (FlowProposal, error) {
	c, err := adminCaller(ctx)
	if err != nil {
		return FlowProposal{}, fail("get proposal", err)
	}
	var out FlowProposal
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = readProposal(ctx, store.New(q), c.tenant, id)
		return err
	})
	return out, fail("get proposal", err)
}

// ProposalKey is the sort key of the proposals list, carried in its cursor.
type ProposalKey struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

// ListProposals lists the tenant's proposals, newest first, optionally in one status (admins).
func (s *Service) ListProposals(ctx context.Context, status string, size int, after *ProposalKey) ([]FlowProposal, error) {
	c, err := adminCaller(ctx)
	if err != nil {
		return nil, fail("list proposals", err)
	}
	p := store.ListProposalsParams{TenantID: c.tenant, Status: text(status), Lim: int32(size + 1)}
	if after != nil {
		p.AfterCreated, p.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []FlowProposal
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListProposals(ctx, p)
		if err != nil {
			return err
		}
		for _, r := range rows {
			x, err := proposalOf(r)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return nil
	})
	return out, fail("list proposals", err)
}

// errReviewed is the conflict of a proposal that was already reviewed.
var errReviewed = errs.E(errs.Conflict, "the proposal has already been reviewed")

// review runs one review of a pending proposal in one transaction: it locks the proposal (NotFound
// outside the tenant; Conflict unless pending), applies act, which returns the flow it wrote (or
// uuid.Nil), records the new status and audits it.
func (s *Service) review(ctx context.Context, op string, id uuid.UUID, status string,
	act func(c caller, q postgres.Querier, p store.FlowProposal) (uuid.UUID, error)) (FlowProposal, error) {
	c, err := adminCaller(ctx)
	if err != nil {
		return FlowProposal{}, fail(op, err)
	}
	var out FlowProposal
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		p, err := st.LockProposal(ctx, store.LockProposalParams{TenantID: c.tenant, ID: id})
		if err != nil {
			return found(err)
		}
		if p.Status != ProposalPending {
			return errReviewed
		}
		flow := uuid.Nil
		if act != nil {
			if flow, err = act(c, q, p); err != nil {
				return err
			}
		}
		err = st.ReviewProposal(ctx, store.ReviewProposalParams{Status: status, ResultFlowID: nullID(flow), ReviewedBy: uuid.NullUUID{UUID: c.user, Valid: true},
			Now: s.now().UTC(), TenantID: c.tenant, ID: id})
		if err != nil {
			return err
		}
		details := map[string]any{"status": status}
		if flow != uuid.Nil {
			details["flow_id"] = flow.String()
		}
		if err := record(ctx, q, "flow_proposal."+op, "flow_proposal", id, details); err != nil {
			return err
		}
		out, err = readProposal(ctx, st, c.tenant, id)
		return err
	})
	return out, fail(op+" proposal", err)
}

// DismissProposal sets a pending proposal aside (nothing is wrong with it, it is not wanted now).
func (s *Service) DismissProposal(ctx context.Context, id uuid.UUID) (FlowProposal, error) {
	return s.review(ctx, "dismiss", id, ProposalDismissed, nil)
}

// RejectProposal refuses a pending proposal (it is wrong).
func (s *Service) RejectProposal(ctx context.Context, id uuid.UUID) (FlowProposal, error) {
	return s.review(ctx, "reject", id, ProposalRejected, nil)
}

// ApproveProposal accepts a pending proposal as a draft: a new flow is created (private to the
// approving admin, troubleshooting, its draft the proposed graph); an enhancement replaces the
// target flow's draft with the proposed graph (the flow must be one the admin can see and edit:
// NotFound/Forbidden as for a flow, and a deleted one is a Conflict). Nothing is published: the
// flow's editors review the draft and publish it through the usual path.
func (s *Service) ApproveProposal(ctx context.Context, id uuid.UUID) (FlowProposal, error) {
	return s.review(ctx, "approve", id, ProposalApproved, func(c caller, q postgres.Querier, p store.FlowProposal) (uuid.UUID, error) {
		return s.writeProposal(ctx, q, c, p, p.ProposedGraph)
	})
}

// EditAndPublishProposal publishes a pending proposal with an edited graph: the graph must pass the
// publication's checks (Invalid otherwise, nothing written), then it becomes the new flow's (or the
// target flow's) draft and is published as its next version, through the same code as
// POST /flows/{id}/publish, in the same transaction.
func (s *Service) EditAndPublishProposal(ctx context.Context, id uuid.UUID, g graph.Graph) (FlowProposal, error) {
	return s.review(ctx, "publish", id, ProposalEdited, func(c caller, q postgres.Querier, p store.FlowProposal) (uuid.UUID, error) {
		// The graph is checked once the proposal is found: another tenant's id is the 404, never a 422.
		if err := validGraph(g); err != nil {
			return uuid.Nil, err
		}
		b, err := encodeGraph(g)
		if err != nil {
			return uuid.Nil, err
		}
		st := store.New(q)
		flow, err := s.writeProposal(ctx, q, c, p, b)
		if err != nil {
			return flow, err
		}
		f, err := editableFlow(ctx, st, c, flow)
		if err != nil {
			return flow, err
		}
		if err := publishable(ctx, st, c, flow, g); err != nil {
			return flow, err
		}
		v, err := insertVersion(ctx, st, c, f, g)
		if err != nil {
			return flow, err
		}
		return flow, record(ctx, q, "flow.publish", "flow", flow, map[string]any{"version": v.Version, "proposal_id": p.ID.String()})
	})
}

// writeProposal writes a proposal's graph b as a flow's draft: a new flow's, or the target's.
func (s *Service) writeProposal(ctx context.Context, q postgres.Querier, c caller, p store.FlowProposal, b []byte) (uuid.UUID, error) {
	st := store.New(q)
	if p.Kind == "enhancement" {
		if !p.TargetFlowID.Valid {
			return uuid.Nil, errs.E(errs.Conflict, "the flow this proposal enhances has been deleted")
		}
		if _, err := editableFlow(ctx, st, c, p.TargetFlowID.UUID); err != nil {
			return uuid.Nil, err
		}
		if _, err := st.SaveDraft(ctx, store.SaveDraftParams{TenantID: c.tenant, ID: p.TargetFlowID.UUID, DraftGraph: b}); err != nil {
			return uuid.Nil, err
		}
		return p.TargetFlowID.UUID, record(ctx, q, "flow.draft_save", "flow", p.TargetFlowID.UUID, map[string]any{"proposal_id": p.ID.String()})
	}
	id := tenancy.NewID()
	err := st.InsertFlow(ctx, store.InsertFlowParams{TenantID: c.tenant, ID: id, AuthorID: c.user, Title: p.Title,
		Description: clip(p.Rationale, 5000), Kind: "troubleshooting", Visibility: visibilityPrivate, DraftGraph: b})
	if err != nil {
		return uuid.Nil, err
	}
	return id, record(ctx, q, "flow.create", "flow", id, map[string]any{"kind": "troubleshooting", "proposal_id": p.ID.String()})
}
