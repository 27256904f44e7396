package flows

import (
	"context"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

// DraftOutput is a flow's draft with its problems.
type DraftOutput struct {
	Body Draft
}

func (s *Service) handleGetDraft(ctx context.Context, in *httpapi.IDInput) (*DraftOutput, error) {
	d, err := s.GetDraft(ctx, in.ID)
	return &DraftOutput{Body: d}, err
}

// SaveDraftInput replaces a flow's draft.
type SaveDraftInput struct {
	httpapi.IDInput
	Body struct {
		Graph graph.Graph `json:"graph" doc:"Stored as is, valid or not; the response lists its problems"`
	}
}

func (s *Service) handleSaveDraft(ctx context.Context, in *SaveDraftInput) (*DraftOutput, error) {
	d, err := s.SaveDraft(ctx, in.ID, in.Body.Graph)
	return &DraftOutput{Body: d}, err
}

// VersionOutput is one published version.
type VersionOutput struct {
	Body Version
}

func (s *Service) handlePublish(ctx context.Context, in *httpapi.IDInput) (*VersionOutput, error) {
	v, err := s.Publish(ctx, in.ID)
	return &VersionOutput{Body: v}, err
}

// ListVersionsInput pages a flow's versions.
type ListVersionsInput struct {
	httpapi.IDInput
	httpapi.PageInput
}

// VersionPage is a page of versions.
type VersionPage struct {
	Body httpapi.Page[Version]
}

func (s *Service) handleListVersions(ctx context.Context, in *ListVersionsInput) (*VersionPage, error) {
	key := func(v Version) versionKey { return versionKey{v.Version} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *versionKey) ([]Version, error) {
		return s.ListVersions(ctx, in.ID, size, after)
	})
	return &VersionPage{Body: page}, err
}

// GetVersionInput names one version of a flow.
type GetVersionInput struct {
	httpapi.IDInput
	Version int32 `path:"version" minimum:"1" doc:"The version number"`
}

func (s *Service) handleGetVersion(ctx context.Context, in *GetVersionInput) (*VersionOutput, error) {
	v, err := s.GetVersion(ctx, in.ID, in.Version)
	return &VersionOutput{Body: v}, err
}

// ForkFlowInput forks a flow.
type ForkFlowInput struct {
	httpapi.IDInput
	Body struct {
		Title  string `json:"title,omitempty" maxLength:"200" doc:"Default: the source's title with \" (fork)\""`
		Reason string `json:"reason,omitempty" maxLength:"1000" doc:"Why the fork was made"`
	}
}

func (s *Service) handleFork(ctx context.Context, in *ForkFlowInput) (*FlowOutput, error) {
	f, err := s.Fork(ctx, in.ID, ForkInput{Title: in.Body.Title, Reason: in.Body.Reason})
	return &FlowOutput{Body: f}, err
}
