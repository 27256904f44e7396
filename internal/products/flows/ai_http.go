package flows

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// AISessionOutput is one AI session.
type AISessionOutput struct {
	Body AISession
}

// CreateAISessionInput starts an AI session.
type CreateAISessionInput struct {
	Body struct {
		Mode               string `json:"mode,omitempty" enum:"guided,chat" doc:"guided (the default) or chat"`
		ProblemDescription string `json:"problem_description" minLength:"1" maxLength:"5000" doc:"The problem, in the technician's words"`
		Ticket             string `json:"ticket,omitempty" maxLength:"100" doc:"The ticket the session works on"`
	}
}

func (s *Service) handleCreateAISession(ctx context.Context, in *CreateAISessionInput) (*AISessionOutput, error) {
	out, err := s.CreateAISession(ctx, NewAISession{Mode: in.Body.Mode, Problem: in.Body.ProblemDescription, Ticket: in.Body.Ticket})
	return &AISessionOutput{Body: out}, err
}

func (s *Service) handleGetAISession(ctx context.Context, in *httpapi.IDInput) (*AISessionOutput, error) {
	out, err := s.GetAISession(ctx, in.ID)
	return &AISessionOutput{Body: out}, err
}

// ListAISessionsInput filters and pages the caller's AI sessions.
type ListAISessionsInput struct {
	httpapi.PageInput
	Status string `query:"status" enum:"active,paused,resolved,escalated,abandoned" doc:"Only sessions in this status"`
}

// SearchAISessionsInput searches the caller's AI sessions.
type SearchAISessionsInput struct {
	httpapi.PageInput
	Q string `query:"q" minLength:"1" maxLength:"200" required:"true" doc:"Text to find in the problem, the resolution note or a message (case-insensitive)"`
}

// AISessionPage is a page of AI sessions.
type AISessionPage struct {
	Body httpapi.Page[AISession]
}

func (s *Service) handleListAISessions(ctx context.Context, in *ListAISessionsInput) (*AISessionPage, error) {
	return s.aiPage(ctx, in.PageInput, in.Status, "")
}

func (s *Service) handleSearchAISessions(ctx context.Context, in *SearchAISessionsInput) (*AISessionPage, error) {
	return s.aiPage(ctx, in.PageInput, "", in.Q)
}

func (s *Service) aiPage(ctx context.Context, p httpapi.PageInput, status, q string) (*AISessionPage, error) {
	key := func(x AISession) AISessionKey { return AISessionKey{CreatedAt: x.CreatedAt, ID: x.ID} }
	page, err := httpapi.List(p, key, func(size int, after *AISessionKey) ([]AISession, error) {
		return s.ListAISessions(ctx, status, q, size, after)
	})
	return &AISessionPage{Body: page}, err
}

// UpdateAISessionInput changes an AI session; absent fields stay.
type UpdateAISessionInput struct {
	httpapi.IDInput
	Body struct {
		Status         *string `json:"status,omitempty" enum:"active,paused,resolved,abandoned" doc:"active ⇄ paused; resolved and abandoned are final; escalated through /escalate"`
		ProblemSummary *string `json:"problem_summary,omitempty" maxLength:"5000"`
		Ticket         *string `json:"ticket,omitempty" maxLength:"100"`
		ResolutionNote *string `json:"resolution_note,omitempty" maxLength:"20000"`
	}
}

func (s *Service) handleUpdateAISession(ctx context.Context, in *UpdateAISessionInput) (*AISessionOutput, error) {
	b := in.Body
	out, err := s.UpdateAISession(ctx, in.ID, AISessionChange{Status: b.Status, ProblemSummary: b.ProblemSummary, Ticket: b.Ticket,
		ResolutionNote: b.ResolutionNote})
	return &AISessionOutput{Body: out}, err
}

// EscalateAISessionInput hands an AI session to another member.
type EscalateAISessionInput struct {
	httpapi.IDInput
	Body struct {
		ToUserID uuid.UUID `json:"to_user_id" format:"uuid" doc:"A member of the tenant, who becomes the session's owner"`
		Note     string    `json:"note,omitempty" maxLength:"5000" doc:"What the member should know"`
	}
}

func (s *Service) handleEscalateAISession(ctx context.Context, in *EscalateAISessionInput) (*AISessionOutput, error) {
	out, err := s.EscalateAISession(ctx, in.ID, in.Body.ToUserID, in.Body.Note)
	return &AISessionOutput{Body: out}, err
}

// AIDocumentationOutput is a documentation draft.
type AIDocumentationOutput struct {
	Body AIDocumentation
}

func (s *Service) handleAIDocumentation(ctx context.Context, in *httpapi.IDInput) (*AIDocumentationOutput, error) {
	out, err := s.DraftAIDocumentation(ctx, in.ID)
	return &AIDocumentationOutput{Body: out}, err
}

// AIMessageInput is a technician's message.
type AIMessageInput struct {
	httpapi.IDInput
	Body struct {
		Content string `json:"content" minLength:"1" maxLength:"20000" doc:"The technician's message"`
	}
}

// aiDelta is the data of a delta event.
type aiDelta struct {
	Text string `json:"text"`
}

// aiMessageOperation is the message operation: its 200 is an event stream, declared here because
// Huma cannot infer it from a streamed body.
func aiMessageOperation() huma.Operation {
	ev := huma.Schema{Type: huma.TypeString, Description: "Server-sent events (text/event-stream): `event: message` with the " +
		"stored user message (JSON AIMessage), `event: delta` with `{\"text\": …}` for each piece of the reply, then `event: done` " +
		"with the stored assistant message, or `event: error` with `{\"detail\": …}` when the provider failed mid-reply (the " +
		"text that had arrived is stored with complete false)."}
	return huma.Operation{
		OperationID: "send-ai-message", Method: http.MethodPost, Path: "/api/v1/ai-sessions/{id}/messages",
		Summary: "Send a message and stream the assistant's reply (server-sent events)",
		Description: "Stores the message and streams the reply as it is generated. The session is checked (owner only) before " +
			"the provider is asked; a provider that cannot start a reply is a 503 and nothing is stored. A client that leaves " +
			"mid-reply ends the provider's stream: the text that had arrived is stored with `complete: false`, never as a " +
			"complete message. See docs/flows.md, \"AI assistance\".",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable},
		Responses: map[string]*huma.Response{"200": {Description: "An event stream",
			Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &ev}}}},
	}
}

// handleAIMessage stores the message, then streams the reply and stores it when the stream ends.
func (s *Service) handleAIMessage(ctx context.Context, in *AIMessageInput) (*huma.StreamResponse, error) {
	reply, err := s.SendAIMessage(ctx, in.ID, in.Body.Content)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		w := newAIEventWriter(hc)
		complete, failed := s.relay(ctx, w, reply)
		msg, stored, err := reply.Finish(ctx, complete)
		switch {
		case err != nil:
			s.log.ErrorContext(ctx, "flows: store ai reply", "err", err)
			_ = w.event("error", map[string]string{"detail": "the reply could not be stored"})
		case failed:
			_ = w.event("error", map[string]string{"detail": errProvider.Error()})
		case stored && complete:
			_ = w.event("done", msg)
		}
	}}, nil
}

// relay sends the user message and then each piece of the reply; it reports whether the reply
// reached its end, and whether the provider (not the client) cut it.
func (s *Service) relay(ctx context.Context, w *aiEventWriter, reply *AIReply) (complete, failed bool) {
	if w.event("message", reply.UserMessage) != nil {
		return false, false
	}
	for {
		piece, err := reply.Next()
		if errors.Is(err, io.EOF) {
			return true, false
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "flows: ai reply", "provider", s.ai.provider.Name(), "err", err)
				return false, true
			}
			return false, false
		}
		if w.event("delta", aiDelta{Text: piece}) != nil {
			return false, false
		}
	}
}

// aiWriteTimeout bounds each write to the client.
const aiWriteTimeout = 10 * time.Second

// aiEventWriter writes server-sent events, each flushed at once with its own write deadline (as
// the parking live stream does).
type aiEventWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newAIEventWriter(hc huma.Context) *aiEventWriter {
	hc.SetHeader("Content-Type", "text/event-stream")
	hc.SetHeader("Cache-Control", "no-store")
	hc.SetHeader("X-Accel-Buffering", "no")
	hc.SetStatus(http.StatusOK)
	w, _ := hc.BodyWriter().(http.ResponseWriter)
	return &aiEventWriter{w: w, rc: http.NewResponseController(w)}
}

func (e *aiEventWriter) event(name string, data any) error {
	if e.w == nil {
		return errors.New("flows: ai stream: no response writer")
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if err := e.rc.SetWriteDeadline(time.Now().Add(aiWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	b := append([]byte("event: "+name+"\ndata: "), raw...)
	if _, err := e.w.Write(append(b, "\n\n"...)); err != nil {
		return err
	}
	return e.rc.Flush()
}

// AISettings are the tenant's AI settings.
type AISettings struct {
	ChatRetentionDays int32 `json:"chat_retention_days" minimum:"1" maximum:"3650" doc:"AI sessions idle for longer are deleted with their messages (default 90)"`
}

// AISettingsOutput is the tenant's AI settings.
type AISettingsOutput struct {
	Body AISettings
}

// UpdateAISettingsInput changes the tenant's AI settings; absent fields stay.
type UpdateAISettingsInput struct {
	Body struct {
		ChatRetentionDays *int32 `json:"chat_retention_days,omitempty" minimum:"1" maximum:"3650" doc:"AI sessions idle for longer are deleted with their messages"`
	}
}

func (s *Service) handleGetAISettings(ctx context.Context, _ *struct{}) (*AISettingsOutput, error) {
	out, err := s.GetAISettings(ctx)
	return &AISettingsOutput{Body: out}, err
}

func (s *Service) handleUpdateAISettings(ctx context.Context, in *UpdateAISettingsInput) (*AISettingsOutput, error) {
	out, err := s.UpdateAISettings(ctx, in.Body.ChatRetentionDays)
	return &AISettingsOutput{Body: out}, err
}
