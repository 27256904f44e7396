package flows_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// aiSession starts an AI session of a about problem and returns its id.
func (s flowsAPI) aiSession(a apitest.Account, problem string) string {
	s.T.Helper()
	return s.Must(201, "POST", "/api/v1/ai-sessions", a.Access, map[string]any{"problem_description": problem})["id"].(string)
}

// sseEvent is one server-sent event.
type sseEvent struct {
	name string
	data map[string]any
}

// sendAI posts a message to an AI session and reads the whole event stream; it returns the status
// and the events (none for an error answer).
func (s flowsAPI) sendAI(a apitest.Account, id, content string) (int, []sseEvent) {
	s.T.Helper()
	res := s.postAI(s.T.Context(), a, id, content)
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return res.StatusCode, nil
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		s.T.Fatalf("content type %q", ct)
	}
	var out []sseEvent
	sc := bufio.NewScanner(res.Body)
	var name string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var d map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d); err != nil {
				s.T.Fatalf("event data %q: %v", line, err)
			}
			out = append(out, sseEvent{name, d})
		}
	}
	return 200, out
}

func (s flowsAPI) postAI(ctx context.Context, a apitest.Account, id, content string) *http.Response {
	s.T.Helper()
	body, _ := json.Marshal(map[string]any{"content": content})
	req, err := http.NewRequestWithContext(ctx, "POST", s.URL+"/api/v1/ai-sessions/"+id+"/messages", strings.NewReader(string(body)))
	if err != nil {
		s.T.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.Access)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatal(err)
	}
	return res
}

// replyOf joins the delta events' text.
func replyOf(events []sseEvent) string {
	var b strings.Builder
	for _, e := range events {
		if e.name == "delta" {
			b.WriteString(e.data["text"].(string))
		}
	}
	return b.String()
}

// TestAISessionsOwnerOnly: an AI session is its owner's alone. A colleague of the same tenant and
// another tenant's owner get the 404 of a random id on every operation, never find it by search
// (the seed OR-ed user and tenant), and escalation is the one hand-off: after it the new owner
// sees the session and the old one does not; it is audited.
func TestAISessionsOwnerOnly(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{Unlimited: true})
	a := s.office("aio", "olga:operator", "otto:operator", "vera:viewer")
	b := s.office("aio-b")
	olga, otto := a.m("olga"), a.m("otto")
	mine := s.aiSession(olga, "The office printer is offline after the router was replaced")
	theirs := s.aiSession(otto, "Printer queue stuck on the office printer")
	notFound := s.Do("GET", "/api/v1/ai-sessions/"+tenancyRandom(), olga.Access, nil)
	if notFound.Status != 404 {
		t.Fatalf("random id: %d", notFound.Status)
	}
	for _, who := range []apitest.Account{otto, b.owner} {
		for _, r := range []apitest.Response{
			s.Do("GET", "/api/v1/ai-sessions/"+mine, who.Access, nil),
			s.Do("PATCH", "/api/v1/ai-sessions/"+mine, who.Access, map[string]any{"status": "paused"}),
			s.Do("GET", "/api/v1/ai-sessions/"+mine+"/documentation", who.Access, nil),
			s.Do("POST", "/api/v1/ai-sessions/"+mine+"/escalate", who.Access, map[string]any{"to_user_id": who.UserID}),
			s.Do("POST", "/api/v1/ai-sessions/"+mine+"/messages", who.Access, map[string]any{"content": "hello"}),
		} {
			if r.Status != 404 || string(r.Body) != string(notFound.Body) {
				t.Errorf("a foreign caller got %d %s, want the 404 of a random id", r.Status, r.Body)
			}
		}
	}
	// The viewer's role is too low for AI sessions.
	if r := s.Do("GET", "/api/v1/ai-sessions", a.m("vera").Access, nil); r.Status != 403 {
		t.Errorf("viewer list: %d", r.Status)
	}
	// Search and list: the caller's own only, though otto's session matches too.
	found := items(s.Must(200, "GET", "/api/v1/ai-sessions/search?q=PRINTER", olga.Access, nil))
	if got := field(found, "id"); len(got) != 1 || got[0] != mine {
		t.Errorf("olga's search found %v, want only %s (not otto's %s)", got, mine, theirs)
	}
	if got := field(items(s.Must(200, "GET", "/api/v1/ai-sessions", otto.Access, nil)), "id"); len(got) != 1 || got[0] != theirs {
		t.Errorf("otto's list: %v", got)
	}
	if got := items(s.Must(200, "GET", "/api/v1/ai-sessions/search?q=printer", b.owner.Access, nil)); len(got) != 0 {
		t.Errorf("tenant B's search found %v", got)
	}
	// The search also finds words of the messages.
	if st, _ := s.sendAI(olga, mine, "The toner light blinks"); st != 200 {
		t.Fatalf("message: %d", st)
	}
	if got := field(items(s.Must(200, "GET", "/api/v1/ai-sessions/search?q=toner", olga.Access, nil)), "id"); len(got) != 1 {
		t.Errorf("search by message: %v", got)
	}
	// Escalation: a member of another tenant, oneself, or a non-member is refused; otto takes it.
	wantProblem(t, s.Do("POST", "/api/v1/ai-sessions/"+mine+"/escalate", olga.Access, map[string]any{"to_user_id": b.owner.UserID}),
		422, "body.to_user_id", "member")
	wantProblem(t, s.Do("POST", "/api/v1/ai-sessions/"+mine+"/escalate", olga.Access, map[string]any{"to_user_id": olga.UserID}),
		422, "body.to_user_id", "another")
	esc := s.Must(200, "POST", "/api/v1/ai-sessions/"+mine+"/escalate", olga.Access,
		map[string]any{"to_user_id": otto.UserID, "note": "needs on-site"})
	if esc["status"] != "escalated" || esc["owner_id"] != otto.UserID || esc["escalated_from"] != olga.UserID {
		t.Errorf("escalated: %v", esc)
	}
	if r := s.Do("GET", "/api/v1/ai-sessions/"+mine, olga.Access, nil); r.Status != 404 {
		t.Errorf("the old owner still sees the escalated session: %d", r.Status)
	}
	got := s.Must(200, "GET", "/api/v1/ai-sessions/"+mine, otto.Access, nil)
	if msgs := got["messages"].([]any); len(msgs) != 2 {
		t.Errorf("the new owner sees %d messages, want the 2 of the conversation", len(msgs))
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE action = 'ai_session.escalate' AND target_id = $1
		AND details->>'from_user_id' = $2 AND details->>'to_user_id' = $3`, mine, olga.UserID, otto.UserID); n != 1 {
		t.Errorf("%d escalation audit rows", n)
	}
}

func tenancyRandom() string { return "01900000-0000-7000-8000-00000000dead" }

// TestAISessionStatus: the status transitions, validated.
func TestAISessionStatus(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{Unlimited: true})
	a := s.office("ais", "olga:operator")
	olga := a.m("olga")
	id := s.aiSession(olga, "VPN drops every hour")
	path := "/api/v1/ai-sessions/" + id
	if got := s.Must(200, "PATCH", path, olga.Access, map[string]any{"status": "paused"}); got["status"] != "paused" {
		t.Errorf("paused: %v", got)
	}
	// A message wakes a paused session.
	if st, _ := s.sendAI(olga, id, "Still dropping"); st != 200 {
		t.Fatalf("message: %d", st)
	}
	if got := s.Must(200, "GET", path, olga.Access, nil); got["status"] != "active" || got["message_count"] != float64(2) {
		t.Errorf("after a message: %v %v", got["status"], got["message_count"])
	}
	wantProblem(t, s.Do("PATCH", path, olga.Access, map[string]any{"status": "escalated"}), 422, "")
	wantProblem(t, s.Do("PATCH", path, olga.Access, map[string]any{"problem_summary": "  "}), 422, "body.problem_summary")
	got := s.Must(200, "PATCH", path, olga.Access, map[string]any{"status": "resolved", "resolution_note": "new certificate"})
	if got["status"] != "resolved" || got["resolved_at"] == nil || got["resolution_note"] != "new certificate" {
		t.Errorf("resolved: %v", got)
	}
	for _, to := range []string{"active", "paused", "abandoned"} {
		wantProblem(t, s.Do("PATCH", path, olga.Access, map[string]any{"status": to}), 409, "")
	}
	if st, _ := s.sendAI(olga, id, "one more thing"); st != 409 {
		t.Errorf("a message to a resolved session: %d", st)
	}
	wantProblem(t, s.Do("POST", path+"/escalate", olga.Access, map[string]any{"to_user_id": a.owner.UserID}), 409, "")
	wantProblem(t, s.Do("POST", "/api/v1/ai-sessions", olga.Access, map[string]any{"problem_description": "x", "mode": "voice"}), 422, "")
}

// TestAILocalProvider: the default provider answers offline from the tenant's published flows
// that match the problem (another tenant's matching flow is never named), streams the reply as
// events and stores both messages complete; the documentation draft comes from the conversation.
func TestAILocalProvider(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{Unlimited: true})
	a := s.office("ail", "olga:operator")
	b := s.office("ail-b")
	olga := a.m("olga")
	flow := s.published(a.owner, "Printer offline", map[string]any{"visibility": "account"})
	s.published(b.owner, "Printer offline in tenant B", map[string]any{"visibility": "account"})
	id := s.aiSession(olga, "The printer shows offline")
	st, events := s.sendAI(olga, id, "It is the printer on floor 2")
	if st != 200 || len(events) < 3 || events[0].name != "message" || events[len(events)-1].name != "done" {
		t.Fatalf("events: %d %v", st, events)
	}
	reply := replyOf(events)
	if !strings.Contains(reply, "Printer offline (flow "+flow+")") || strings.Contains(reply, "tenant B") {
		t.Errorf("reply: %q", reply)
	}
	done := events[len(events)-1].data
	if done["content"] != reply || done["complete"] != true || done["role"] != "assistant" {
		t.Errorf("done: %v", done)
	}
	msgs := s.Must(200, "GET", "/api/v1/ai-sessions/"+id, olga.Access, nil)["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["content"] != "It is the printer on floor 2" || msgs[1].(map[string]any)["content"] != reply {
		t.Errorf("stored messages: %v", msgs)
	}
	doc := s.Must(200, "GET", "/api/v1/ai-sessions/"+id+"/documentation", olga.Access, nil)
	if md := doc["markdown"].(string); !strings.Contains(md, "It is the printer on floor 2") || doc["provider"] != "local" {
		t.Errorf("documentation: %v", doc)
	}
}

// fakeOpenAI is a local server that speaks the OpenAI chat completions protocol (streamed as
// server-sent events). mode picks its behaviour: "ok" streams three chunks and [DONE]; "fail"
// answers 500; "hang" never answers; "cut" streams one chunk and then waits until the client
// leaves. It counts the completions asked.
type fakeOpenAI struct {
	srv   *httptest.Server
	calls atomic.Int64
	mode  atomic.Value
	auth  atomic.Value
	left  chan struct{}
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	f := &fakeOpenAI{left: make(chan struct{}, 10)}
	f.mode.Store("ok")
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		var body struct {
			Model    string `json:"model"`
			Stream   bool   `json:"stream"`
			Messages []struct{ Role, Content string }
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !body.Stream || body.Model != "test-model" || len(body.Messages) == 0 {
			http.Error(w, "bad request", 400)
			return
		}
		f.calls.Add(1)
		f.auth.Store(r.Header.Get("Authorization"))
		chunk := func(text string) {
			fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":%q}}]}\n\n", text)
			w.(http.Flusher).Flush()
		}
		switch f.mode.Load() {
		case "fail":
			http.Error(w, "upstream down", 500)
		case "hang":
			<-r.Context().Done()
		case "cut":
			w.Header().Set("Content-Type", "text/event-stream")
			chunk("Partial ")
			<-r.Context().Done()
			f.left <- struct{}{}
		default:
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, ": comment\n\n")
			for _, p := range []string{"Check ", "the ", "cable."} {
				chunk(p)
			}
			fmt.Fprint(w, "data: [DONE]\n\n")
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// TestAIOpenAIProvider runs AI sessions on an OpenAI-compatible provider (a local fake): the
// streamed reply, a provider that fails or hangs (503, nothing stored), the existence pre-check
// (a foreign id costs no provider call), and a client that leaves mid-reply (the partial reply is
// stored marked incomplete, never as complete).
func TestAIOpenAIProvider(t *testing.T) {
	t.Parallel()
	fake := newFakeOpenAI(t)
	s := startFlowsAPI(t, apitest.Options{Unlimited: true, Configure: func(c *app.Config) {
		c.AI = flows.AIConfig{Provider: flows.ProviderOpenAI, BaseURL: fake.srv.URL, APIKey: "sk-test", Model: "test-model", Timeout: time.Second}
	}})
	a := s.office("aio", "olga:operator", "otto:operator")
	olga, otto := a.m("olga"), a.m("otto")
	id := s.aiSession(olga, "Monitor flickers")
	path := "/api/v1/ai-sessions/" + id

	st, events := s.sendAI(olga, id, "Which cable?")
	if st != 200 || replyOf(events) != "Check the cable." || events[len(events)-1].name != "done" {
		t.Fatalf("reply: %d %v", st, events)
	}
	if fake.auth.Load() != "Bearer sk-test" {
		t.Errorf("authorization %v", fake.auth.Load())
	}
	// The existence pre-check: a colleague's documentation or message costs no provider call.
	before := fake.calls.Load()
	if r := s.Do("GET", path+"/documentation", otto.Access, nil); r.Status != 404 {
		t.Errorf("foreign documentation: %d", r.Status)
	}
	if st, _ := s.sendAI(otto, id, "hello"); st != 404 {
		t.Errorf("foreign message: %d", st)
	}
	if n := fake.calls.Load(); n != before {
		t.Errorf("foreign ids cost %d provider calls", n-before)
	}
	if doc := s.Must(200, "GET", path+"/documentation", olga.Access, nil); doc["markdown"] != "Check the cable." || fake.calls.Load() != before+1 {
		t.Errorf("documentation: %v", doc)
	}
	// A provider that fails or hangs: 503, and nothing is stored.
	for _, mode := range []string{"fail", "hang"} {
		fake.mode.Store(mode)
		if st, _ := s.sendAI(olga, id, "again?"); st != 503 {
			t.Errorf("%s: %d, want 503", mode, st)
		}
		if r := s.Do("GET", path+"/documentation", olga.Access, nil); r.Status != 503 {
			t.Errorf("%s documentation: %d", mode, r.Status)
		}
	}
	if got := s.Must(200, "GET", path, olga.Access, nil); got["message_count"] != float64(2) {
		t.Errorf("after failures: %v messages, want the first 2", got["message_count"])
	}
	// The client leaves after the first piece: the provider's request ends too, and the partial
	// reply is stored with complete false.
	fake.mode.Store("cut")
	ctx, cancel := context.WithCancel(t.Context())
	res := s.postAI(ctx, olga, id, "and now?")
	rd := bufio.NewReader(res.Body)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "event: delta") {
			break
		}
	}
	cancel()
	_ = res.Body.Close()
	select {
	case <-fake.left:
	case <-time.After(10 * time.Second):
		t.Fatal("the provider's request did not end when the client left")
	}
	apitest.WaitFor(t, "the partial reply", func() bool {
		return s.Count(`SELECT count(*) FROM ai_messages WHERE session_id = $1`, id) == 4
	})
	msgs := s.Must(200, "GET", path, olga.Access, nil)["messages"].([]any)
	last := msgs[len(msgs)-1].(map[string]any)
	if last["role"] != "assistant" || last["content"] != "Partial " || last["complete"] != false {
		t.Errorf("the cut reply was stored as %v", last)
	}
	if n := s.Count(`SELECT count(*) FROM ai_messages WHERE session_id = $1 AND role = 'assistant' AND complete`, id); n != 1 {
		t.Errorf("%d complete assistant messages, want only the first", n)
	}
}
