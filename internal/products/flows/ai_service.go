package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// aiParts is what the AI sessions add to the service.
type aiParts struct {
	provider Provider
	// afterWrite, when set (tests only), is called inside each item's transaction of the AI jobs,
	// after the item's write: the crash tests stop the process there.
	afterWrite func(job string, item int)
}

// WithAI makes p the provider of AI sessions (the local provider by default).
func (s *Service) WithAI(p Provider) *Service {
	s.ai.provider = p
	return s
}

// AIIdleTimeout is how long an active or paused AI session may stay idle: every message moves its
// expiry on; the conversation expiry job abandons it once the time has passed.
const AIIdleTimeout = 24 * time.Hour

// AI session statuses.
const (
	AIActive    = "active"
	AIPaused    = "paused"
	AIResolved  = "resolved"
	AIEscalated = "escalated"
	AIAbandoned = "abandoned"
)

// aiTransitions are the status changes PATCH may make; resolved and abandoned are final, and
// escalated is reached through POST /escalate only (it names the member).
var aiTransitions = map[string][]string{
	AIActive:    {AIPaused, AIResolved, AIAbandoned},
	AIPaused:    {AIActive, AIResolved, AIAbandoned},
	AIEscalated: {AIActive, AIPaused, AIResolved, AIAbandoned},
}

// AISession is a technician's conversation with the AI about one problem. It is owner-only: its
// owner alone reaches it; anyone else, another member of the same tenant included, gets the same
// 404 as for a random id. Escalation hands it to another member, who then owns it.
type AISession struct {
	ID             uuid.UUID   `json:"id" format:"uuid"`
	Mode           string      `json:"mode" enum:"guided,chat"`
	Status         string      `json:"status" enum:"active,paused,resolved,escalated,abandoned"`
	ProblemSummary string      `json:"problem_summary"`
	Ticket         string      `json:"ticket"`
	ResolutionNote string      `json:"resolution_note"`
	OwnerID        uuid.UUID   `json:"owner_id" format:"uuid"`
	EscalatedFrom  *uuid.UUID  `json:"escalated_from" format:"uuid" doc:"The member who escalated the session to its owner"`
	EscalationNote string      `json:"escalation_note"`
	EscalatedAt    *time.Time  `json:"escalated_at"`
	MessageCount   int32       `json:"message_count"`
	LastActivityAt time.Time   `json:"last_activity_at"`
	ExpiresAt      time.Time   `json:"expires_at" doc:"When an active or paused session idle since is abandoned"`
	ResolvedAt     *time.Time  `json:"resolved_at"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	Messages       []AIMessage `json:"messages,omitempty" doc:"The conversation, oldest first (in a single session's answer only)"`
}

// AIMessage is one message of an AI session.
type AIMessage struct {
	ID        uuid.UUID `json:"id" format:"uuid"`
	Role      string    `json:"role" enum:"user,assistant"`
	Content   string    `json:"content"`
	Complete  bool      `json:"complete" doc:"false for an assistant reply cut short (the client left or the provider failed): its content is what had arrived"`
	CreatedAt time.Time `json:"created_at"`
}

func aiSessionOf(r store.AiSession) AISession {
	return AISession{ID: r.ID, Mode: r.Mode, Status: r.Status, ProblemSummary: r.ProblemSummary, Ticket: r.Ticket,
		ResolutionNote: r.ResolutionNote, OwnerID: r.UserID, EscalatedFrom: idOrNil(r.EscalatedFrom), EscalationNote: r.EscalationNote,
		EscalatedAt: r.EscalatedAt, MessageCount: r.MessageCount, LastActivityAt: r.LastActivityAt, ExpiresAt: r.ExpiresAt,
		ResolvedAt: r.ResolvedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// NewAISession starts an AI session.
type NewAISession struct {
	Mode    string // guided (the default) or chat
	Problem string // 1..5000 characters, trimmed
	Ticket  string // at most 100 characters
}

// CreateAISession starts an AI session of the caller (an operator or above, signed in).
func (s *Service) CreateAISession(ctx context.Context, in NewAISession) (AISession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return AISession{}, fail("create ai session", err)
	}
	if in.Mode == "" {
		in.Mode = "guided"
	}
	in.Problem = strings.TrimSpace(in.Problem)
	switch {
	case in.Mode != "guided" && in.Mode != "chat":
		return AISession{}, errs.Invalidf("body.mode", "must be guided or chat")
	case in.Problem == "" || len([]rune(in.Problem)) > 5000:
		return AISession{}, errs.Invalidf("body.problem_description", "must be 1 to 5000 characters")
	case len([]rune(in.Ticket)) > 100:
		return AISession{}, errs.Invalidf("body.ticket", "must be at most 100 characters")
	}
	id, now := tenancy.NewID(), s.now().UTC()
	var out AISession
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		err := st.InsertAISession(ctx, store.InsertAISessionParams{TenantID: m.tenant, ID: id, UserID: m.user, Mode: in.Mode,
			ProblemSummary: in.Problem, Ticket: in.Ticket, Now: now, ExpiresAt: now.Add(AIIdleTimeout)})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "ai_session.create", "ai_session", id, map[string]any{"mode": in.Mode}); err != nil {
			return err
		}
		r, err := st.GetAISession(ctx, store.GetAISessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		out = aiSessionOf(r)
		return err
	})
	return out, fail("create ai session", err)
}

// GetAISession returns a session of the caller with its messages; any other id is NotFound.
func (s *Service) GetAISession(ctx context.Context, id uuid.UUID) (AISession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return AISession{}, fail("get ai session", err)
	}
	var out AISession
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, _, err = readAISession(ctx, store.New(q), m, id)
		return err
	})
	return out, fail("get ai session", err)
}

// readAISession reads a session of m (owner in the query) with its messages.
func readAISession(ctx context.Context, st *store.Queries, m member, id uuid.UUID) (AISession, []ChatMessage, error) {
	r, err := st.GetAISession(ctx, store.GetAISessionParams{TenantID: m.tenant, ID: id, Me: m.user})
	if err != nil {
		return AISession{}, nil, notFound(err)
	}
	rows, err := st.ListAIMessages(ctx, store.ListAIMessagesParams{TenantID: m.tenant, SessionID: id})
	if err != nil {
		return AISession{}, nil, err
	}
	out := aiSessionOf(r)
	out.Messages = make([]AIMessage, 0, len(rows))
	chat := make([]ChatMessage, 0, len(rows))
	for _, x := range rows {
		out.Messages = append(out.Messages, AIMessage{ID: x.ID, Role: x.Role, Content: x.Content, Complete: x.Complete, CreatedAt: x.CreatedAt})
		chat = append(chat, ChatMessage{Role: x.Role, Content: x.Content})
	}
	return out, chat, nil
}

// AISessionKey is the sort key of the AI sessions list, carried in its cursor.
type AISessionKey struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

// ListAISessions lists the caller's own sessions, newest first, optionally in one status or
// matching query (in the problem, the resolution note or a message): at most size+1 after the key
// of the previous page's last item. A colleague's sessions are never listed nor found.
func (s *Service) ListAISessions(ctx context.Context, status, query string, size int, after *AISessionKey) ([]AISession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return nil, fail("list ai sessions", err)
	}
	p := store.ListAISessionsParams{TenantID: m.tenant, Me: m.user, Status: text(status), Q: text(strings.TrimSpace(query)),
		Lim: int32(size + 1)}
	if status != "" && status != AIActive && aiTransitions[status] == nil && status != AIResolved && status != AIAbandoned {
		return nil, errs.Invalidf("query.status", "must be active, paused, resolved, escalated or abandoned")
	}
	if after != nil {
		p.AfterCreated, p.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []AISession
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListAISessions(ctx, p)
		for _, r := range rows {
			out = append(out, aiSessionOf(r))
		}
		return err
	})
	return out, fail("list ai sessions", err)
}

// AISessionChange changes a session; nil fields stay.
type AISessionChange struct {
	Status         *string
	ProblemSummary *string
	Ticket         *string
	ResolutionNote *string
}

// UpdateAISession changes a session of the caller. A status change must be one of aiTransitions
// (Conflict otherwise). Resolving a session also queues its analysis for the knowledge flywheel,
// in the same transaction.
func (s *Service) UpdateAISession(ctx context.Context, id uuid.UUID, c AISessionChange) (AISession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return AISession{}, fail("update ai session", err)
	}
	now := s.now().UTC()
	var out AISession
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		r, err := st.LockAISession(ctx, store.LockAISessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		if err != nil {
			return notFound(err)
		}
		p, from, err := applyAIChange(r, c, now)
		if err != nil {
			return err
		}
		p.TenantID, p.ID, p.Me, p.Now = m.tenant, id, m.user, now
		if err := st.UpdateAISession(ctx, p); err != nil {
			return err
		}
		if p.Status != from {
			if err := record(ctx, q, "ai_session.status", "ai_session", id, map[string]any{"from": from, "to": p.Status}); err != nil {
				return err
			}
			if p.Status == AIResolved {
				if err := s.queueAnalysis(ctx, q, m.tenant, id); err != nil {
					return err
				}
			}
		}
		r, err = st.GetAISession(ctx, store.GetAISessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		out = aiSessionOf(r)
		return err
	})
	return out, fail("update ai session", err)
}

// applyAIChange checks a change against the session r and returns the update's fields.
func applyAIChange(r store.AiSession, c AISessionChange, now time.Time) (store.UpdateAISessionParams, string, error) {
	p := store.UpdateAISessionParams{Status: r.Status, ProblemSummary: r.ProblemSummary, Ticket: r.Ticket,
		ResolutionNote: r.ResolutionNote, ResolvedAt: r.ResolvedAt}
	if c.ProblemSummary != nil {
		p.ProblemSummary = strings.TrimSpace(*c.ProblemSummary)
		if p.ProblemSummary == "" || len([]rune(p.ProblemSummary)) > 5000 {
			return p, r.Status, errs.Invalidf("body.problem_summary", "must be 1 to 5000 characters")
		}
	}
	if c.Ticket != nil {
		if p.Ticket = *c.Ticket; len([]rune(p.Ticket)) > 100 {
			return p, r.Status, errs.Invalidf("body.ticket", "must be at most 100 characters")
		}
	}
	if c.ResolutionNote != nil {
		if p.ResolutionNote = *c.ResolutionNote; len([]rune(p.ResolutionNote)) > 20000 {
			return p, r.Status, errs.Invalidf("body.resolution_note", "must be at most 20000 characters")
		}
	}
	if c.Status != nil && *c.Status != r.Status {
		to := *c.Status
		if !slices.Contains(aiTransitions[r.Status], to) {
			return p, r.Status, errs.E(errs.Conflict, fmt.Sprintf("an AI session cannot go from %s to %s", r.Status, to))
		}
		p.Status = to
		if to == AIResolved {
			p.ResolvedAt = &now
		}
	}
	return p, r.Status, nil
}

// EscalateAISession hands a session of the caller to another member of the tenant: the one
// sanctioned way for another user to reach it. The member becomes its owner (the caller no longer
// sees it; escalated_from names them), the status becomes escalated, and the hand-off is audited.
// A user who is not a member of the tenant (another tenant's included) is Invalid; a resolved or
// abandoned session is a Conflict.
func (s *Service) EscalateAISession(ctx context.Context, id, to uuid.UUID, note string) (AISession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return AISession{}, fail("escalate ai session", err)
	}
	if len([]rune(note)) > 5000 {
		return AISession{}, errs.Invalidf("body.note", "must be at most 5000 characters")
	}
	now := s.now().UTC()
	var out AISession
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		r, err := st.LockAISession(ctx, store.LockAISessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		if err != nil {
			return notFound(err)
		}
		if r.Status == AIResolved || r.Status == AIAbandoned {
			return errs.E(errs.Conflict, "a "+r.Status+" AI session cannot be escalated")
		}
		if to == m.user {
			return errs.Invalidf("body.to_user_id", "must be another member than you")
		}
		ok, err := st.IsMember(ctx, store.IsMemberParams{TenantID: m.tenant, UserID: to})
		if err != nil {
			return err
		}
		if !ok {
			return errs.Invalidf("body.to_user_id", "must be a member of this tenant")
		}
		err = st.EscalateAISession(ctx, store.EscalateAISessionParams{ToUser: to, Me: m.user, Note: note, Now: now, TenantID: m.tenant, ID: id})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "ai_session.escalate", "ai_session", id, map[string]any{"from_user_id": m.user.String(),
			"to_user_id": to.String()}); err != nil {
			return err
		}
		r, err = st.GetAISession(ctx, store.GetAISessionParams{TenantID: m.tenant, ID: id, Me: to})
		out = aiSessionOf(r)
		return err
	})
	return out, fail("escalate ai session", err)
}

// matchingFlows returns the caller's visible published flows that match any word of text.
func matchingFlows(ctx context.Context, st *store.Queries, m member, text string) ([]FlowHint, error) {
	words := searchWords(text)
	if words == "" {
		return nil, nil
	}
	rows, err := st.AIMatchingFlows(ctx, store.AIMatchingFlowsParams{TenantID: m.tenant, Me: m.user, Words: words})
	out := make([]FlowHint, 0, len(rows))
	for _, r := range rows {
		out = append(out, FlowHint{ID: r.ID, Title: r.Title, Description: r.Description})
	}
	return out, err
}

// searchWords turns text into a to_tsquery of its words of four letters or more, OR-ed: only
// letters and digits reach the query, so no input can make it fail to parse.
func searchWords(text string) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 4 && !slices.Contains(words, w) && len(words) < 20 {
			words = append(words, w)
		}
	}
	return strings.Join(words, " | ")
}
