package flows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Provider is the AI behind AI sessions: a streaming chat completion. Complete returns once the
// reply has started (or failed to start: nothing was streamed, and the caller stores nothing);
// the Stream then yields the reply's text in pieces until io.EOF. Canceling ctx ends the stream.
type Provider interface {
	// Name names the provider in logs and in the documentation draft ("local", "openai").
	Name() string
	Complete(ctx context.Context, req CompletionRequest) (Stream, error)
}

// Stream is a reply in progress.
type Stream interface {
	// Next returns the next piece of the reply, or io.EOF after the last one. Any other error
	// ends the reply early.
	Next() (string, error)
	// Close releases the stream; it may be called at any time, more than once.
	Close() error
}

// CompletionRequest is what a provider completes: the conversation so far, oldest first, and what
// the tenant's knowledge offers for it.
type CompletionRequest struct {
	Purpose  Purpose       // a reply in the conversation, or the session's documentation
	Problem  string        // the session's problem summary
	Messages []ChatMessage // the conversation, oldest first; the last is the technician's new message for a reply
	Flows    []FlowHint    // published flows of the tenant, visible to the technician, that match the problem
}

// Purpose says what a completion is for.
type Purpose string

// The purposes.
const (
	PurposeReply         Purpose = "reply"
	PurposeDocumentation Purpose = "documentation"
)

// ChatMessage is one message of a conversation: role user (the technician) or assistant.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// FlowHint is a published flow that matches the problem.
type FlowHint struct {
	ID          uuid.UUID
	Title       string
	Description string
}

// errProvider is the 503 of a provider that could not start a reply; nothing was stored.
var errProvider = errors.New("the AI provider is unavailable")

// AIConfig chooses and configures the provider (TENANTRY_AI_* in cmd/tenantry).
type AIConfig struct {
	Provider string        // "local" (the default: offline, deterministic) or "openai"
	BaseURL  string        // openai: the API's base URL; requests go to {BaseURL}/v1/chat/completions
	APIKey   string        // openai: the bearer token ("" sends none, for local servers)
	Model    string        // openai: the model name
	Timeout  time.Duration // openai: for the reply to start, and between two pieces of it; default 60 s
}

// AI provider names and defaults.
const (
	ProviderLocal    = "local"
	ProviderOpenAI   = "openai"
	DefaultAITimeout = 60 * time.Second
	DefaultAIModel   = "gpt-4o-mini"
)

// NewProvider returns the provider cfg names: the local one when cfg.Provider is "" or "local".
func NewProvider(cfg AIConfig) (Provider, error) {
	switch cfg.Provider {
	case "", ProviderLocal:
		return NewLocalProvider(), nil
	case ProviderOpenAI:
		if cfg.BaseURL == "" {
			return nil, fmt.Errorf("flows: the openai provider needs a base URL")
		}
		if cfg.Timeout <= 0 {
			cfg.Timeout = DefaultAITimeout
		}
		if cfg.Model == "" {
			cfg.Model = DefaultAIModel
		}
		return &OpenAIProvider{cfg: cfg, client: &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: cfg.Timeout, IdleConnTimeout: 90 * time.Second,
		}}}, nil
	}
	return nil, fmt.Errorf("flows: unknown AI provider %q (local or openai)", cfg.Provider)
}

// LocalProvider answers without any network: from the problem, the technician's last message and
// the tenant's published flows that match them. Its replies are deterministic, so everything
// works offline and tests can check them. It counts its calls.
type LocalProvider struct {
	calls atomic.Int64
}

// NewLocalProvider returns the local provider.
func NewLocalProvider() *LocalProvider { return &LocalProvider{} }

// Name names the provider.
func (*LocalProvider) Name() string { return ProviderLocal }

// Calls returns how many completions were asked of the provider.
func (p *LocalProvider) Calls() int64 { return p.calls.Load() }

// Complete builds the whole reply at once and streams it word by word.
func (p *LocalProvider) Complete(ctx context.Context, req CompletionRequest) (Stream, error) {
	p.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var text string
	if req.Purpose == PurposeDocumentation {
		text = localDocumentation(req)
	} else {
		text = localReply(req)
	}
	return &wordStream{ctx: ctx, rest: text}, nil
}

// localReply points at the matching flows, or at a generic first round of checks.
func localReply(req CompletionRequest) string {
	last := req.Problem
	if n := len(req.Messages); n > 0 {
		last = req.Messages[n-1].Content
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Let's work on: %s\n\n", clip(oneLine(last), 200))
	if len(req.Flows) > 0 {
		b.WriteString("These published flows of your tenant match the problem:\n")
		for i, f := range req.Flows {
			fmt.Fprintf(&b, "%d. %s (flow %s)\n", i+1, f.Title, f.ID)
		}
		b.WriteString("\nStart the first one as a session to follow its checks step by step.")
		return b.String()
	}
	b.WriteString("No published flow matches yet. A first round of checks:\n" +
		"1. Reproduce the problem and note the exact error message.\n" +
		"2. Check what changed recently (updates, passwords, network).\n" +
		"3. Restart the affected application or service and try again.\n" +
		"Tell me what you see and I will narrow it down.")
	return b.String()
}

// localDocumentation drafts the session's documentation in Markdown from its conversation.
func localDocumentation(req CompletionRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Problem\n\n%s\n\n## Steps taken\n\n", oneLine(req.Problem))
	steps := 0
	for _, m := range req.Messages {
		if m.Role == "user" {
			steps++
			fmt.Fprintf(&b, "%d. %s\n", steps, clip(oneLine(m.Content), 300))
		}
	}
	if steps == 0 {
		b.WriteString("None recorded.\n")
	}
	if len(req.Flows) > 0 {
		b.WriteString("\n## Related flows\n\n")
		for _, f := range req.Flows {
			fmt.Fprintf(&b, "- %s\n", f.Title)
		}
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens s to at most n runes, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// wordStream yields a prepared text a word (with its following space) at a time.
type wordStream struct {
	ctx  context.Context
	rest string
}

func (w *wordStream) Next() (string, error) {
	if err := w.ctx.Err(); err != nil {
		return "", err
	}
	if w.rest == "" {
		return "", io.EOF
	}
	i := strings.IndexAny(w.rest, " \n")
	if i < 0 {
		i = len(w.rest) - 1
	}
	piece := w.rest[:i+1]
	w.rest = w.rest[i+1:]
	return piece, nil
}

func (w *wordStream) Close() error { w.rest = ""; return nil }
