package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

// FlowOutput is one flow.
type FlowOutput struct {
	Body Flow
}

// CreateFlowInput creates a flow.
type CreateFlowInput struct {
	Body struct {
		Kind        string       `json:"kind" enum:"troubleshooting,procedural,maintenance"`
		Title       string       `json:"title" minLength:"1" maxLength:"200" example:"Outlook does not start"`
		Description string       `json:"description,omitempty" maxLength:"5000"`
		Visibility  string       `json:"visibility,omitempty" enum:"private,team,account" doc:"Default private"`
		TeamID      *uuid.UUID   `json:"team_id,omitempty" doc:"With visibility team: a team you are in"`
		CategoryID  *uuid.UUID   `json:"category_id,omitempty" doc:"A global or tenant category"`
		Tags        []uuid.UUID  `json:"tags,omitempty" maxItems:"20" doc:"Global or tenant tags"`
		Graph       *graph.Graph `json:"graph,omitempty" doc:"The first draft, stored as is; GET /flows/{id}/draft lists its problems"`
	}
}

func (s *Service) handleCreateFlow(ctx context.Context, in *CreateFlowInput) (*FlowOutput, error) {
	b := in.Body
	nf := NewFlow{Kind: b.Kind, Title: b.Title, Description: b.Description, Visibility: b.Visibility, Tags: b.Tags,
		TeamID: deref(b.TeamID), CategoryID: deref(b.CategoryID)}
	if b.Graph != nil {
		nf.Graph = *b.Graph
	}
	f, err := s.CreateFlow(ctx, nf)
	return &FlowOutput{Body: f}, err
}

func deref(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}

func (s *Service) handleGetFlow(ctx context.Context, in *httpapi.IDInput) (*FlowOutput, error) {
	f, err := s.GetFlow(ctx, in.ID)
	return &FlowOutput{Body: f}, err
}

// ListFlowsInput filters and pages the flows the caller can see.
type ListFlowsInput struct {
	httpapi.PageInput
	Query      string    `query:"q" maxLength:"200" doc:"Words of the title or description, or a part of them"`
	Kind       string    `query:"kind" enum:"troubleshooting,procedural,maintenance"`
	Visibility string    `query:"visibility" enum:"private,team,account"`
	Category   uuid.UUID `query:"category" format:"uuid" doc:"A global or tenant category id"`
	Tag        uuid.UUID `query:"tag" format:"uuid" doc:"A global or tenant tag id"`
}

// FlowPage is a page of flows.
type FlowPage struct {
	Body httpapi.Page[Flow]
}

func (s *Service) handleListFlows(ctx context.Context, in *ListFlowsInput) (*FlowPage, error) {
	f := FlowFilter{Query: in.Query, Kind: in.Kind, Visibility: in.Visibility, Category: in.Category, Tag: in.Tag}
	key := func(x Flow) flowKey { return flowKey{x.UpdatedAt, x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *flowKey) ([]Flow, error) {
		return s.ListFlows(ctx, f, size, after)
	})
	return &FlowPage{Body: page}, err
}

// UpdateFlowInput changes a flow's metadata; absent fields stay.
type UpdateFlowInput struct {
	httpapi.IDInput
	Body struct {
		Kind        *string      `json:"kind,omitempty" enum:"troubleshooting,procedural,maintenance"`
		Title       *string      `json:"title,omitempty" minLength:"1" maxLength:"200"`
		Description *string      `json:"description,omitempty" maxLength:"5000"`
		CategoryID  *string      `json:"category_id,omitempty" doc:"A global or tenant category id; an empty string removes the category"`
		Tags        *[]uuid.UUID `json:"tags,omitempty" maxItems:"20" doc:"Replaces every tag; [] removes them"`
	}
}

func (s *Service) handleUpdateFlow(ctx context.Context, in *UpdateFlowInput) (*FlowOutput, error) {
	b := in.Body
	p := FlowPatch{Kind: b.Kind, Title: b.Title, Description: b.Description, Tags: b.Tags}
	if b.CategoryID != nil {
		id := uuid.Nil
		if *b.CategoryID != "" {
			var err error
			if id, err = uuid.Parse(*b.CategoryID); err != nil {
				return nil, errs.Invalidf("body.category_id", "not a uuid")
			}
		}
		p.CategoryID = &id
	}
	f, err := s.UpdateFlow(ctx, in.ID, p)
	return &FlowOutput{Body: f}, err
}

// SetVisibilityInput changes who can see a flow.
type SetVisibilityInput struct {
	httpapi.IDInput
	Body struct {
		Visibility string     `json:"visibility" enum:"private,team,account" doc:"private: the author only (only the author may choose it)"`
		TeamID     *uuid.UUID `json:"team_id,omitempty" doc:"With visibility team: a team you are in"`
	}
}

func (s *Service) handleSetVisibility(ctx context.Context, in *SetVisibilityInput) (*FlowOutput, error) {
	f, err := s.SetVisibility(ctx, in.ID, in.Body.Visibility, deref(in.Body.TeamID))
	return &FlowOutput{Body: f}, err
}

func (s *Service) handleDeleteFlow(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteFlow(ctx, in.ID)
}
