package flows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// maxAIMessage bounds a technician's message, in characters.
const maxAIMessage = 20000

// maxAIReply bounds a stored reply, in bytes (the column's limit); a longer reply is cut there.
const maxAIReply = 262144

// aiStoreTimeout bounds the write of a reply after its stream has ended, which runs even when the
// client has left.
const aiStoreTimeout = 10 * time.Second

// AIReply is a reply in progress: the provider's stream for a message already stored.
type AIReply struct {
	svc     *Service
	m       member
	session uuid.UUID
	stream  Stream
	text    strings.Builder
	// UserMessage is the technician's message, stored before the reply started.
	UserMessage AIMessage
}

// SendAIMessage stores the caller's message in a session of theirs and starts the provider's
// reply. Order: the session is read by (id, owner) first, so a foreign or unknown id costs no
// provider call (NotFound); a resolved or abandoned session is a Conflict; then the provider is
// asked, and only when its reply has started is the message stored (a provider that cannot start
// is Unavailable and nothing is stored). The caller streams the reply with Next and ends it with
// Finish, which stores the assistant's message.
func (s *Service) SendAIMessage(ctx context.Context, id uuid.UUID, content string) (*AIReply, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return nil, fail("send ai message", err)
	}
	content = strings.TrimSpace(content)
	if content == "" || len([]rune(content)) > maxAIMessage {
		return nil, errs.Invalidf("body.content", "must be 1 to %d characters", maxAIMessage)
	}
	var req CompletionRequest
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		sess, chat, err := readAISession(ctx, st, m, id)
		if err != nil {
			return err
		}
		if err := aiOpen(sess.Status); err != nil {
			return err
		}
		req = CompletionRequest{Purpose: PurposeReply, Problem: sess.ProblemSummary,
			Messages: append(chat, ChatMessage{Role: "user", Content: content})}
		req.Flows, err = matchingFlows(ctx, st, m, sess.ProblemSummary+" "+content)
		return err
	})
	if err != nil {
		return nil, fail("send ai message", err)
	}
	stream, err := s.ai.provider.Complete(ctx, req)
	if err != nil {
		s.log.WarnContext(ctx, "flows: ai provider", "provider", s.ai.provider.Name(), "err", err)
		return nil, fail("send ai message", errs.Wrap(errs.Unavailable, errProvider.Error(), err))
	}
	r := &AIReply{svc: s, m: m, session: id, stream: stream}
	r.UserMessage, err = s.storeAIMessage(ctx, m, id, "user", content, true)
	if err != nil {
		_ = stream.Close()
		return nil, fail("send ai message", err)
	}
	return r, nil
}

// aiOpen refuses messages to a finished session.
func aiOpen(status string) error {
	if status == AIResolved || status == AIAbandoned {
		return errs.E(errs.Conflict, "a "+status+" AI session takes no more messages")
	}
	return nil
}

// Next returns the next piece of the reply, io.EOF after the last.
func (r *AIReply) Next() (string, error) {
	piece, err := r.stream.Next()
	if err != nil {
		return "", err
	}
	if r.text.Len()+len(piece) > maxAIReply {
		return "", errors.New("flows: the AI reply is too long")
	}
	r.text.WriteString(piece)
	return piece, nil
}

// Finish ends the reply and stores the assistant's message: complete when the stream reached its
// end, otherwise (the client left, the provider failed, the reply was too long) marked incomplete
// with the text that had arrived, or nothing at all when no text had. It runs on a context that
// the client's leaving does not cancel.
func (r *AIReply) Finish(ctx context.Context, complete bool) (AIMessage, bool, error) {
	_ = r.stream.Close()
	if !complete && r.text.Len() == 0 {
		return AIMessage{}, false, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), aiStoreTimeout)
	defer cancel()
	msg, err := r.svc.storeAIMessage(ctx, r.m, r.session, "assistant", r.text.String(), complete)
	return msg, err == nil, fail("store ai reply", err)
}

// storeAIMessage adds a message to a session of m that is still open (owner in the query) and
// moves the session's idle period on. A paused session becomes active again.
func (s *Service) storeAIMessage(ctx context.Context, m member, session uuid.UUID, role, content string, complete bool) (AIMessage, error) {
	now := s.now().UTC()
	msg := AIMessage{ID: tenancy.NewID(), Role: role, Content: content, Complete: complete, CreatedAt: now}
	err := s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		r, err := st.LockAISession(ctx, store.LockAISessionParams{TenantID: m.tenant, ID: session, Me: m.user})
		if err != nil {
			return notFound(err)
		}
		if err := aiOpen(r.Status); err != nil {
			return err
		}
		err = st.InsertAIMessage(ctx, store.InsertAIMessageParams{TenantID: m.tenant, ID: msg.ID, SessionID: session, Role: role,
			Content: content, Complete: complete, Now: now})
		if err != nil {
			return err
		}
		err = st.TouchAISession(ctx, store.TouchAISessionParams{Added: 1, Now: now, ExpiresAt: now.Add(AIIdleTimeout),
			TenantID: m.tenant, ID: session, Me: m.user})
		if err != nil {
			return err
		}
		// The audit row names the message, never its content.
		return record(ctx, q, "ai_session.message", "ai_session", session, map[string]any{"message_id": msg.ID.String(),
			"role": role, "complete": complete})
	})
	return msg, err
}

// AIDocumentation is a draft of a session's ticket documentation.
type AIDocumentation struct {
	SessionID   uuid.UUID `json:"session_id" format:"uuid"`
	Markdown    string    `json:"markdown"`
	Provider    string    `json:"provider" doc:"The provider that drafted it"`
	GeneratedAt time.Time `json:"generated_at"`
}

// DraftAIDocumentation drafts the documentation of a session of the caller. The session is read
// by (id, owner) before the provider runs: a foreign or unknown id is NotFound and costs no
// provider call. Nothing is stored.
func (s *Service) DraftAIDocumentation(ctx context.Context, id uuid.UUID) (AIDocumentation, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return AIDocumentation{}, fail("draft ai documentation", err)
	}
	var req CompletionRequest
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		sess, chat, err := readAISession(ctx, st, m, id)
		if err != nil {
			return err
		}
		req = CompletionRequest{Purpose: PurposeDocumentation, Problem: sess.ProblemSummary, Messages: chat}
		req.Flows, err = matchingFlows(ctx, st, m, sess.ProblemSummary)
		return err
	})
	if err != nil {
		return AIDocumentation{}, fail("draft ai documentation", err)
	}
	text, err := s.complete(ctx, req)
	if err != nil {
		s.log.WarnContext(ctx, "flows: ai provider", "provider", s.ai.provider.Name(), "err", err)
		return AIDocumentation{}, fail("draft ai documentation", errs.Wrap(errs.Unavailable, errProvider.Error(), err))
	}
	return AIDocumentation{SessionID: id, Markdown: text, Provider: s.ai.provider.Name(), GeneratedAt: s.now().UTC()}, nil
}

// complete runs a completion to its end and returns its text.
func (s *Service) complete(ctx context.Context, req CompletionRequest) (string, error) {
	stream, err := s.ai.provider.Complete(ctx, req)
	if err != nil {
		return "", err
	}
	defer stream.Close()
	var b strings.Builder
	for {
		piece, err := stream.Next()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if b.Len()+len(piece) > maxAIReply {
			return "", fmt.Errorf("flows: the AI reply is too long")
		}
		b.WriteString(piece)
	}
}
