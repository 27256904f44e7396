package flows

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

// proposalRoutes registers the knowledge flywheel's proposals: admins and owners of the tenant,
// members only (no API keys); another tenant's proposal is a 404.
func (s *Service) proposalRoutes(api huma.API, log *slog.Logger) {
	httpapi.DescribeTag(api, "Flow proposals", "New flows and flow enhancements the knowledge flywheel draws from resolved AI sessions, for admins to review.")
	rt := httpapi.NewRoutes(api, log)
	props := rt.Tag("Flow proposals")
	admin := httpapi.Admin("")
	const nf, cf = http.StatusNotFound, http.StatusConflict
	const pid = "/api/v1/flow-proposals/{id}"

	httpapi.Get(props, "/api/v1/flow-proposals", "list-flow-proposals", admin,
		s.handleListProposals, "The tenant's flow proposals, newest first")
	create := huma.Operation{OperationID: "create-flow-proposal", Method: http.MethodPost, Path: "/api/v1/flow-proposals",
		Summary: "File a flow proposal by hand", DefaultStatus: 201}
	httpapi.Add(props.Location(pid), withExample(create, exampleProposal), admin, s.handleCreateProposal)
	httpapi.Get(props, pid, "get-flow-proposal", admin,
		s.handleGetProposal, "Get a flow proposal", nf)
	httpapi.Post(props, pid+"/approve", "approve-flow-proposal", admin,
		s.handleApproveProposal, "Approve: write the flow (or the enhanced flow's draft) for editing", 200, nf, cf)
	publish := huma.Operation{OperationID: "edit-and-publish-flow-proposal", Method: http.MethodPost, Path: pid + "/edit-and-publish",
		Summary: "Publish the proposal with an edited graph", DefaultStatus: 200, Errors: []int{nf, cf}}
	httpapi.Add(props, withExample(publish, map[string]any{"graph": exampleFlow["graph"]}), admin, s.handleEditAndPublishProposal)
	httpapi.Post(props, pid+"/dismiss", "dismiss-flow-proposal", admin,
		s.handleDismissProposal, "Set the proposal aside", 200, nf, cf)
	httpapi.Post(props, pid+"/reject", "reject-flow-proposal", admin,
		s.handleRejectProposal, "Reject the proposal", 200, nf, cf)
}

// exampleProposal is the request example of a proposal filed by hand.
var exampleProposal = map[string]any{"kind": "new_flow", "title": "Outlook does not start", "rationale": "Seen three times this week.",
	"graph": exampleFlow["graph"]}

// FlowProposalOutput is one proposal.
type FlowProposalOutput struct {
	Body FlowProposal
}

// ListProposalsInput filters and pages the proposals.
type ListProposalsInput struct {
	httpapi.PageInput
	Status string `query:"status" enum:"pending,approved,edited,dismissed,rejected" doc:"Only proposals in this status"`
}

// ProposalPage is a page of proposals.
type ProposalPage struct {
	Body httpapi.Page[FlowProposal]
}

func (s *Service) handleListProposals(ctx context.Context, in *ListProposalsInput) (*ProposalPage, error) {
	key := func(x FlowProposal) ProposalKey { return ProposalKey{CreatedAt: x.CreatedAt, ID: x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *ProposalKey) ([]FlowProposal, error) {
		return s.ListProposals(ctx, in.Status, size, after)
	})
	return &ProposalPage{Body: page}, err
}

// CreateProposalInput files a proposal by hand.
type CreateProposalInput struct {
	Body struct {
		Kind         string       `json:"kind" enum:"new_flow,enhancement"`
		TargetFlowID *uuid.UUID   `json:"target_flow_id,omitempty" format:"uuid" doc:"With enhancement: the flow to change"`
		Title        string       `json:"title" minLength:"1" maxLength:"200"`
		Rationale    string       `json:"rationale,omitempty" maxLength:"5000"`
		Graph        *graph.Graph `json:"graph,omitempty" doc:"The proposed graph; it must pass the publication's validation. Absent: a skeleton (a question named by the title, a fix to describe, a resolution)"`
	}
}

func (s *Service) handleCreateProposal(ctx context.Context, in *CreateProposalInput) (*FlowProposalOutput, error) {
	b := in.Body
	g := newFlowGraph(b.Title, "Describe the fix", nil)
	if b.Graph != nil {
		g = *b.Graph
	}
	out, err := s.CreateProposal(ctx, NewProposal{Kind: b.Kind, TargetFlowID: b.TargetFlowID, Title: b.Title, Rationale: b.Rationale, Graph: g})
	return &FlowProposalOutput{Body: out}, err
}

func (s *Service) handleGetProposal(ctx context.Context, in *httpapi.IDInput) (*FlowProposalOutput, error) {
	out, err := s.GetProposal(ctx, in.ID)
	return &FlowProposalOutput{Body: out}, err
}

func (s *Service) handleApproveProposal(ctx context.Context, in *httpapi.IDInput) (*FlowProposalOutput, error) {
	out, err := s.ApproveProposal(ctx, in.ID)
	return &FlowProposalOutput{Body: out}, err
}

func (s *Service) handleDismissProposal(ctx context.Context, in *httpapi.IDInput) (*FlowProposalOutput, error) {
	out, err := s.DismissProposal(ctx, in.ID)
	return &FlowProposalOutput{Body: out}, err
}

func (s *Service) handleRejectProposal(ctx context.Context, in *httpapi.IDInput) (*FlowProposalOutput, error) {
	out, err := s.RejectProposal(ctx, in.ID)
	return &FlowProposalOutput{Body: out}, err
}

// EditAndPublishInput publishes a proposal with an edited graph.
type EditAndPublishInput struct {
	httpapi.IDInput
	Body struct {
		Graph graph.Graph `json:"graph" doc:"The graph to publish; it must pass the publication's validation"`
	}
}

func (s *Service) handleEditAndPublishProposal(ctx context.Context, in *EditAndPublishInput) (*FlowProposalOutput, error) {
	out, err := s.EditAndPublishProposal(ctx, in.ID, in.Body.Graph)
	return &FlowProposalOutput{Body: out}, err
}
