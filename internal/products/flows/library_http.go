package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// LibraryStepOutput is one library step.
type LibraryStepOutput struct {
	Body LibraryStep
}

// LibraryStepBody is a new library step.
type LibraryStepBody struct {
	Title      string     `json:"title" minLength:"1" maxLength:"200"`
	StepType   string     `json:"step_type" enum:"instruction,action,question,input,link,note,resolution"`
	Content    string     `json:"content,omitempty" maxLength:"65536"`
	Visibility string     `json:"visibility,omitempty" enum:"private,team,account" default:"private"`
	TeamID     *uuid.UUID `json:"team_id,omitempty" format:"uuid" doc:"Required with visibility team: a team you are a member of"`
}

// CreateLibraryStepInput creates a library step.
type CreateLibraryStepInput struct {
	Body LibraryStepBody
}

func (s *Service) handleCreateLibraryStep(ctx context.Context, in *CreateLibraryStepInput) (*LibraryStepOutput, error) {
	b := in.Body
	f := LibraryStepFields{Title: &b.Title, StepType: &b.StepType, Content: &b.Content, TeamID: b.TeamID}
	if b.Visibility != "" {
		f.Visibility = &b.Visibility
	}
	out, err := s.CreateLibraryStep(ctx, f)
	return &LibraryStepOutput{Body: out}, err
}

func (s *Service) handleGetLibraryStep(ctx context.Context, in *httpapi.IDInput) (*LibraryStepOutput, error) {
	out, err := s.GetLibraryStep(ctx, in.ID)
	return &LibraryStepOutput{Body: out}, err
}

// ListLibraryStepsInput searches and pages the library.
type ListLibraryStepsInput struct {
	httpapi.PageInput
	Query string `query:"q" maxLength:"200" doc:"Part of the title or content, any case"`
}

// LibraryStepPage is a page of library steps.
type LibraryStepPage struct {
	Body httpapi.Page[LibraryStep]
}

func (s *Service) handleListLibrarySteps(ctx context.Context, in *ListLibraryStepsInput) (*LibraryStepPage, error) {
	key := func(x LibraryStep) LibraryStepKey { return LibraryStepKey{UpdatedAt: x.UpdatedAt, ID: x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *LibraryStepKey) ([]LibraryStep, error) {
		return s.ListLibrarySteps(ctx, in.Query, size, after)
	})
	return &LibraryStepPage{Body: page}, err
}

// UpdateLibraryStepInput changes a library step; absent fields stay.
type UpdateLibraryStepInput struct {
	httpapi.IDInput
	Body struct {
		Title      *string    `json:"title,omitempty" minLength:"1" maxLength:"200"`
		StepType   *string    `json:"step_type,omitempty" enum:"instruction,action,question,input,link,note,resolution"`
		Content    *string    `json:"content,omitempty" maxLength:"65536"`
		Visibility *string    `json:"visibility,omitempty" enum:"private,team,account"`
		TeamID     *uuid.UUID `json:"team_id,omitempty" format:"uuid" doc:"With visibility team"`
	}
}

func (s *Service) handleUpdateLibraryStep(ctx context.Context, in *UpdateLibraryStepInput) (*LibraryStepOutput, error) {
	b := in.Body
	out, err := s.UpdateLibraryStep(ctx, in.ID, LibraryStepFields{Title: b.Title, StepType: b.StepType, Content: b.Content,
		Visibility: b.Visibility, TeamID: b.TeamID})
	return &LibraryStepOutput{Body: out}, err
}

func (s *Service) handleDeleteLibraryStep(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteLibraryStep(ctx, in.ID)
}

func (s *Service) handleSaveLibraryStep(ctx context.Context, in *httpapi.IDInput) (*LibraryStepOutput, error) {
	out, err := s.SaveLibraryStepCopy(ctx, in.ID)
	return &LibraryStepOutput{Body: out}, err
}

// RateLibraryStepInput rates a library step.
type RateLibraryStepInput struct {
	httpapi.IDInput
	Body struct {
		Rating int `json:"rating" minimum:"1" maximum:"5"`
	}
}

func (s *Service) handleRateLibraryStep(ctx context.Context, in *RateLibraryStepInput) (*LibraryStepOutput, error) {
	out, err := s.RateLibraryStep(ctx, in.ID, in.Body.Rating)
	return &LibraryStepOutput{Body: out}, err
}
