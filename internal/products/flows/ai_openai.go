package flows

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// OpenAIProvider talks to an OpenAI-compatible chat completions API: POST
// {base}/v1/chat/completions with "stream": true, read as server-sent events, one JSON chunk per
// "data:" line and "data: [DONE]" at the end. The reply must start (response headers) within the
// timeout, and two pieces may be at most the timeout apart; otherwise the stream fails.
type OpenAIProvider struct {
	cfg    AIConfig
	client *http.Client
}

// Name names the provider.
func (*OpenAIProvider) Name() string { return ProviderOpenAI }

// openAIRequest is the body of a chat completion request.
type openAIRequest struct {
	Model    string        `json:"model"`
	Stream   bool          `json:"stream"`
	Messages []ChatMessage `json:"messages"`
}

// openAIChunk is one streamed chunk.
type openAIChunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
}

// Complete sends the request and returns once the provider has answered 200 with an event stream.
func (p *OpenAIProvider) Complete(ctx context.Context, req CompletionRequest) (Stream, error) {
	body, err := json.Marshal(openAIRequest{Model: p.cfg.Model, Stream: true, Messages: openAIMessages(req)})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.cfg.BaseURL, "/")+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "text/event-stream")
	if p.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+p.cfg.APIKey)
	}
	res, err := p.client.Do(hreq)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("flows: openai: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
		_ = res.Body.Close()
		cancel()
		return nil, fmt.Errorf("flows: openai: status %d", res.StatusCode)
	}
	s := &sseStream{body: res.Body, lines: bufio.NewScanner(res.Body), cancel: cancel}
	s.lines.Buffer(make([]byte, 0, 64<<10), 1<<20)
	// An idle stream is cut after the timeout: the timer is pushed back at every piece.
	s.idle = time.AfterFunc(p.cfg.Timeout, cancel)
	s.timeout = p.cfg.Timeout
	return s, nil
}

// openAIMessages is the conversation with a system message that states the purpose and the
// tenant's matching flows.
func openAIMessages(req CompletionRequest) []ChatMessage {
	var sys strings.Builder
	sys.WriteString("You are a troubleshooting assistant for IT technicians. Problem: " + oneLine(req.Problem) + "\n")
	if req.Purpose == PurposeDocumentation {
		sys.WriteString("Write the ticket documentation of this session in Markdown: problem, steps taken, outcome.\n")
	}
	for _, f := range req.Flows {
		sys.WriteString("Known flow: " + f.Title + " (" + f.ID.String() + ")\n")
	}
	return append([]ChatMessage{{Role: "system", Content: sys.String()}}, req.Messages...)
}

// sseStream reads the chunks of a streamed completion.
type sseStream struct {
	body    io.ReadCloser
	lines   *bufio.Scanner
	cancel  context.CancelFunc
	idle    *time.Timer
	timeout time.Duration
	once    sync.Once
	done    bool
}

// errStreamEnded is a stream that stopped before "[DONE]".
var errStreamEnded = errors.New("flows: openai: the stream ended before [DONE]")

func (s *sseStream) Next() (string, error) {
	for !s.done && s.lines.Scan() {
		s.idle.Reset(s.timeout)
		line := s.lines.Text()
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // event names, ids, comments, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			s.done = true
			break
		}
		var c openAIChunk
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return "", fmt.Errorf("flows: openai: a chunk: %w", err)
		}
		if len(c.Choices) > 0 && c.Choices[0].Delta.Content != "" {
			return c.Choices[0].Delta.Content, nil
		}
	}
	if s.done {
		return "", io.EOF
	}
	if err := s.lines.Err(); err != nil {
		return "", fmt.Errorf("flows: openai: %w", err)
	}
	return "", errStreamEnded
}

func (s *sseStream) Close() error {
	s.once.Do(func() {
		s.idle.Stop()
		s.cancel()
		_ = s.body.Close()
	})
	return nil
}
