package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Principal is one set of credentials of the world.
type Principal struct {
	Name   string   // "B owner", "B key spaces:read", "anonymous", ...
	Kind   string   // "anonymous", "member" or "key"
	Role   string   // the member's role, or the key's role ceiling
	Scopes []string // an API key's scopes
	Bearer string   // access token of a member
	Key    string   // secret of an API key
	Email  string   // a member's sign-in e-mail
}

func (p *Principal) hasScope(s string) bool { return slices.Contains(p.Scopes, s) }

// Response is what one request got back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r Response) ok() bool { return r.Status >= 200 && r.Status < 300 }

// json decodes the body ("nil" when it is not JSON).
func (r Response) json() any {
	var v any
	if json.Unmarshal(r.Body, &v) != nil {
		return nil
	}
	return v
}

// summary is the status and the start of the body, for reports.
func (r Response) summary() string {
	b := string(r.Body)
	if len(b) > 400 {
		b = b[:400] + "..."
	}
	return fmt.Sprintf("%d %s", r.Status, strings.TrimSpace(b))
}

// Request is one request the probe sends.
type Request struct {
	Method string
	Path   string // with parameters substituted
	Query  url.Values
	Body   any         // JSON-encoded when not nil
	Header http.Header // more request headers (an Idempotency-Key)
}

func (r Request) String() string {
	s := r.Method + " " + r.Path
	if len(r.Query) > 0 {
		s += "?" + r.Query.Encode()
	}
	return s
}

// client sends requests, waiting out rate limits (429 with Retry-After) a bounded number of times.
type client struct {
	base string
	http *http.Client
	sent atomic.Int64
}

func (c *client) do(ctx context.Context, p *Principal, keyHeader string, r Request) (Response, error) {
	var raw []byte
	if r.Body != nil {
		var err error
		if raw, err = json.Marshal(r.Body); err != nil {
			return Response{}, err
		}
	}
	u := c.base + r.Path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, r.Method, u, bytes.NewReader(raw))
		if err != nil {
			return Response{}, err
		}
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, vs := range r.Header {
			req.Header[k] = vs
		}
		if p != nil && p.Bearer != "" {
			req.Header.Set("Authorization", "Bearer "+p.Bearer)
		}
		if p != nil && p.Key != "" {
			if keyHeader == "" {
				keyHeader = "X-API-Key"
			}
			req.Header.Set(keyHeader, p.Key)
		}
		c.sent.Add(1)
		res, err := c.http.Do(req)
		if err != nil {
			return Response{}, fmt.Errorf("%s: %w", r, err)
		}
		body, err := readBody(res)
		res.Body.Close()
		if err != nil {
			return Response{}, fmt.Errorf("%s: %w", r, err)
		}
		out := Response{Status: res.StatusCode, Header: res.Header, Body: body}
		if out.Status != http.StatusTooManyRequests || attempt >= 5 {
			return out, nil
		}
		wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		select {
		case <-ctx.Done():
			return Response{}, ctx.Err()
		case <-time.After(time.Duration(min(max(wait, 1), 10)) * time.Second):
		}
	}
}

// streamLimit bounds what the probe reads of an event stream (text/event-stream), which does not
// end: its first block (up to the first blank line, such as the stream's opening comment and the
// events a resume replays at once), at most this many bytes.
const streamLimit = 64 << 10

// readBody reads a response's body: all of it (up to 8 MiB), or the first block of an event stream.
func readBody(res *http.Response) ([]byte, error) {
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return io.ReadAll(io.LimitReader(res.Body, 8<<20))
	}
	var out []byte
	buf := make([]byte, 4096)
	for len(out) < streamLimit && !bytes.Contains(out, []byte("\n\n")) {
		n, err := res.Body.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// volatileHeaders differ between any two responses and are left out when two answers are compared:
// the request id, the date, and the caller's remaining rate-limit budget.
var volatileHeaders = []string{"X-Request-Id", "Date", "Ratelimit", "Ratelimit-Policy", "X-Ratelimit-Remaining",
	"X-Ratelimit-Reset", "Retry-After"}

// differ returns how two responses differ ("" when they are byte-identical but for volatile headers).
func differ(a, b Response) string {
	if a.Status != b.Status {
		return fmt.Sprintf("status %d vs %d", a.Status, b.Status)
	}
	if !bytes.Equal(a.Body, b.Body) {
		return fmt.Sprintf("bodies differ: %q vs %q", clip(a.Body), clip(b.Body))
	}
	names := func(h http.Header) []string {
		var out []string
		for k := range h {
			out = append(out, http.CanonicalHeaderKey(k))
		}
		slices.Sort(out)
		return out
	}
	if an, bn := names(a.Header), names(b.Header); !slices.Equal(an, bn) {
		return fmt.Sprintf("header sets differ: %v vs %v", an, bn)
	}
	for k, v := range a.Header {
		if slices.Contains(volatileHeaders, http.CanonicalHeaderKey(k)) {
			continue
		}
		if !slices.Equal(v, b.Header.Values(k)) {
			return fmt.Sprintf("header %s differs: %q vs %q", k, v, b.Header.Values(k))
		}
	}
	return ""
}

func clip(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "..."
	}
	return string(b)
}
