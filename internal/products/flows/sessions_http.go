package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// FlowSessionOutput is one session.
type FlowSessionOutput struct {
	Body FlowSession
}

// NewSessionBody starts a session.
type NewSessionBody struct {
	FlowID       uuid.UUID      `json:"flow_id" format:"uuid" doc:"A flow you can see, with a published version"`
	TicketNumber string         `json:"ticket_number,omitempty" maxLength:"100"`
	ClientName   string         `json:"client_name,omitempty" maxLength:"200"`
	Variables    map[string]any `json:"variables,omitempty" doc:"Values of the variables the flow's input nodes define"`
}

// CreateSessionInput starts a session.
type CreateSessionInput struct {
	Body NewSessionBody
}

func (s *Service) handleCreateSession(ctx context.Context, in *CreateSessionInput) (*FlowSessionOutput, error) {
	b := in.Body
	out, err := s.CreateSession(ctx, NewSession{FlowID: b.FlowID, Variables: b.Variables, TicketNumber: b.TicketNumber, ClientName: b.ClientName})
	return &FlowSessionOutput{Body: out}, err
}

// PrepareSessionBody prepares a session for later, optionally for another member.
type PrepareSessionBody struct {
	NewSessionBody
	AssignedTo *uuid.UUID `json:"assigned_to,omitempty" format:"uuid" doc:"A member of the tenant who will start and work it"`
}

// PrepareSessionInput prepares a session.
type PrepareSessionInput struct {
	Body PrepareSessionBody
}

func (s *Service) handlePrepareSession(ctx context.Context, in *PrepareSessionInput) (*FlowSessionOutput, error) {
	b := in.Body
	out, err := s.PrepareSession(ctx, NewSession{FlowID: b.FlowID, AssignedTo: b.AssignedTo, Variables: b.Variables,
		TicketNumber: b.TicketNumber, ClientName: b.ClientName})
	return &FlowSessionOutput{Body: out}, err
}

func (s *Service) handleGetSession(ctx context.Context, in *httpapi.IDInput) (*FlowSessionOutput, error) {
	out, err := s.GetSession(ctx, in.ID)
	return &FlowSessionOutput{Body: out}, err
}

// ListSessionsInput filters and pages the caller's sessions.
type ListSessionsInput struct {
	httpapi.PageInput
	Status string `query:"status" enum:"prepared,active,completed,abandoned" doc:"Only sessions in this status"`
	FlowID string `query:"flow_id" format:"uuid" doc:"Only sessions of this flow"`
	Scope  string `query:"scope" enum:"mine,assigned" doc:"mine: sessions you own; assigned: sessions assigned to you; default both"`
}

// SessionPage is a page of sessions.
type SessionPage struct {
	Body httpapi.Page[FlowSessionSummary]
}

func (s *Service) handleListSessions(ctx context.Context, in *ListSessionsInput) (*SessionPage, error) {
	f := SessionFilter{Status: in.Status, Scope: in.Scope}
	flow, err := httpapi.OptionalID("query.flow_id", in.FlowID)
	if err != nil {
		return nil, err
	}
	if flow.Valid {
		f.FlowID = &flow.UUID
	}
	key := func(x FlowSessionSummary) SessionKey { return SessionKey{CreatedAt: x.CreatedAt, ID: x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *SessionKey) ([]FlowSessionSummary, error) {
		return s.ListSessions(ctx, f, size, after)
	})
	return &SessionPage{Body: page}, err
}

func (s *Service) handleStartSession(ctx context.Context, in *httpapi.IDInput) (*FlowSessionOutput, error) {
	out, err := s.StartSession(ctx, in.ID)
	return &FlowSessionOutput{Body: out}, err
}

// SessionDecisionInput takes an option at the session's current node.
type SessionDecisionInput struct {
	httpapi.IDInput
	Body struct {
		OptionID string `json:"option_id" minLength:"1" maxLength:"64" doc:"An option of the current question node, or \"next\" to continue past another node"`
		Note     string `json:"note,omitempty" maxLength:"20000"`
	}
}

func (s *Service) handleDecide(ctx context.Context, in *SessionDecisionInput) (*FlowSessionOutput, error) {
	out, err := s.DecideSession(ctx, in.ID, in.Body.OptionID, in.Body.Note)
	return &FlowSessionOutput{Body: out}, err
}

func (s *Service) handleBack(ctx context.Context, in *httpapi.IDInput) (*FlowSessionOutput, error) {
	out, err := s.BackSession(ctx, in.ID)
	return &FlowSessionOutput{Body: out}, err
}

// SessionScratchpadInput replaces a session's scratchpad.
type SessionScratchpadInput struct {
	httpapi.IDInput
	Body struct {
		Text string `json:"text" doc:"At most 262144 bytes"`
	}
}

func (s *Service) handleScratchpad(ctx context.Context, in *SessionScratchpadInput) (*FlowSessionOutput, error) {
	out, err := s.SetScratchpad(ctx, in.ID, in.Body.Text)
	return &FlowSessionOutput{Body: out}, err
}

// SessionVariablesInput sets some of a session's variables.
type SessionVariablesInput struct {
	httpapi.IDInput
	Body struct {
		Values map[string]any `json:"values" doc:"Variable values by name; null unsets one"`
	}
}

func (s *Service) handleVariables(ctx context.Context, in *SessionVariablesInput) (*FlowSessionOutput, error) {
	out, err := s.SetSessionVariables(ctx, in.ID, in.Body.Values)
	return &FlowSessionOutput{Body: out}, err
}

// UpdateSessionInput changes a session's ticket fields; absent fields stay.
type UpdateSessionInput struct {
	httpapi.IDInput
	Body struct {
		TicketNumber *string `json:"ticket_number,omitempty" maxLength:"100"`
		ClientName   *string `json:"client_name,omitempty" maxLength:"200"`
	}
}

func (s *Service) handleUpdateSession(ctx context.Context, in *UpdateSessionInput) (*FlowSessionOutput, error) {
	out, err := s.UpdateSessionDetails(ctx, in.ID, SessionDetails{TicketNumber: in.Body.TicketNumber, ClientName: in.Body.ClientName})
	return &FlowSessionOutput{Body: out}, err
}

// CompleteSessionInput ends a session with an outcome.
type CompleteSessionInput struct {
	httpapi.IDInput
	Body struct {
		Outcome string `json:"outcome" enum:"resolved,escalated,unresolved"`
	}
}

func (s *Service) handleComplete(ctx context.Context, in *CompleteSessionInput) (*FlowSessionOutput, error) {
	out, err := s.CompleteSession(ctx, in.ID, in.Body.Outcome)
	return &FlowSessionOutput{Body: out}, err
}

func (s *Service) handleAbandon(ctx context.Context, in *httpapi.IDInput) (*FlowSessionOutput, error) {
	out, err := s.AbandonSession(ctx, in.ID)
	return &FlowSessionOutput{Body: out}, err
}
