package parking_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// sse is one server-sent event, or a comment (Comment set).
type sse struct {
	ID, Event, Data, Comment string
}

// stream is an open live stream read by a goroutine: its events, and the end of the body.
type stream struct {
	status int
	header http.Header
	body   []byte // the body of a refusal
	events chan sse
	done   chan struct{} // closed when the body ends (after events)
	cancel context.CancelFunc
}

// openStream opens GET path with the token (and Last-Event-ID when lastID is set) and reads the
// events until the test ends or close is called. It returns once the answer's headers are in.
func openStream(t *testing.T, base, path, token, lastID string, headers ...string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	st := &stream{status: res.StatusCode, header: res.Header, events: make(chan sse, 1024), done: make(chan struct{}), cancel: cancel}
	if res.StatusCode != http.StatusOK {
		st.body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		close(st.events)
		close(st.done)
		return st
	}
	go func() {
		defer close(st.done)
		defer close(st.events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev != (sse{}) {
					st.events <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, ":"):
				ev.Comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	return st
}

// next returns the next event that is not a comment, failing the test if the stream ends first.
func (st *stream) next(t *testing.T) (sse, parking.StreamEvent) {
	t.Helper()
	for {
		select {
		case ev, ok := <-st.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if ev.Comment != "" && ev.Event == "" {
				continue
			}
			var data parking.StreamEvent
			if err := json.Unmarshal([]byte(ev.Data), &data); err != nil {
				t.Fatalf("event data: %v: %q", err, ev.Data)
			}
			return ev, data
		case <-t.Context().Done():
			t.Fatal("test ended")
		}
	}
}

// comment waits for a comment line with text.
func (st *stream) comment(t *testing.T, text string) {
	t.Helper()
	for {
		select {
		case ev, ok := <-st.events:
			if !ok {
				t.Fatalf("the stream ended before the comment %q", text)
			}
			if ev.Comment == text {
				return
			}
		case <-t.Context().Done():
			t.Fatal("test ended")
		}
	}
}

// close ends the client's side and waits for the reader.
func (st *stream) close() {
	st.cancel()
	<-st.done
}

// occupancy posts an uplink of eui (occupied or not) and returns nothing; the state changes.
func (s server) occupancy(p parkingTenant, eui string, occupied bool, fcnt int) {
	s.T.Helper()
	if r := s.ingest(p, "up", uplink(s.T, eui, occupied, fcnt)); r.Status != 200 {
		s.T.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
}

// TestParkingStreamIsolation: two instances on one database. Tenants A and B each watch their own
// site on the second instance while A's sensors change through ingest on the first: A receives its
// changes (across instances, through LISTEN/NOTIFY), B never receives any of A's events, and B gets
// for A's site the 404 of a random id.
func TestParkingStreamIsolation(t *testing.T) {
	t.Parallel()
	inst := apitest.Instances(t, 2, apitest.Options{})
	s1, s2 := server{inst[0], encodings[0]}, server{inst[1], encodings[0]}
	a, b := s1.parkingTenant("streama"), s1.parkingTenant("streamb")
	spaceA, spaceB := s1.space(a, "A1"), s1.space(b, "B1")
	_, euiA := s1.sensor(a, spaceA)
	_, euiB := s1.sensor(b, spaceB)

	sa := openStream(t, s2.URL, "/api/v1/sites/"+a.site+"/stream", a.Access, "")
	sb := openStream(t, s2.URL, "/api/v1/sites/"+b.site+"/stream", b.Access, "")
	if sa.status != 200 || sb.status != 200 || !strings.HasPrefix(sa.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("streams: %d %d %q", sa.status, sb.status, sa.header.Get("Content-Type"))
	}
	sa.comment(t, "connected")
	sb.comment(t, "connected")

	var aIDs []string
	for i, occ := range []bool{true, false, true} {
		s1.occupancy(a, euiA, occ, 10+i)
		ev, data := sa.next(t)
		if ev.Event != "state" || ev.ID != data.ID || data.SpaceID != spaceA || data.SiteID != a.site || data.SpaceCode != "A1" {
			t.Fatalf("A's event %d: %+v %+v", i, ev, data)
		}
		if want := map[bool]parking.State{true: parking.StateOccupied, false: parking.StateFree}[occ]; data.NewState != want {
			t.Errorf("A's event %d: new state %s, want %s", i, data.NewState, want)
		}
		aIDs = append(aIDs, ev.ID)
	}
	// B's own change comes after all of A's: everything B was sent before it is in hand.
	s1.occupancy(b, euiB, true, 1)
	ev, data := sb.next(t)
	if slices.Contains(aIDs, ev.ID) || data.SpaceID != spaceB {
		t.Fatalf("B received %+v, want only its own change (A's: %v)", data, aIDs)
	}
	sb.close()
	for ev := range sb.events {
		if slices.Contains(aIDs, ev.ID) || strings.Contains(ev.Data, spaceA) {
			t.Errorf("B received A's event %+v", ev)
		}
	}

	// A's site, a random site: the same 404, byte-identical.
	foreign := s2.Do("GET", "/api/v1/sites/"+a.site+"/stream", b.Access, nil)
	random := s2.Do("GET", "/api/v1/sites/"+uuid.NewString()+"/stream", b.Access, nil)
	if foreign.Status != 404 || foreign.Fingerprint() != random.Fingerprint() {
		t.Errorf("A's site for B: %s\nrandom: %s", foreign.Fingerprint(), random.Fingerprint())
	}
}

// TestParkingStreamResume: after a disconnect, Last-Event-ID replays exactly the changes missed,
// oldest first, and the stream goes on live without repeating them.
func TestParkingStreamResume(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	p := s.parkingTenant("streamresume")
	space := s.space(p, "R1")
	other := s.space(p, "R2")
	_, eui := s.sensor(p, space)
	_, euiOther := s.sensor(p, other)

	st := openStream(t, s.URL, "/api/v1/sites/"+p.site+"/stream", p.Access, "")
	st.comment(t, "connected")
	s.occupancy(p, eui, true, 1)
	first, _ := st.next(t)
	st.close()

	s.occupancy(p, eui, false, 2)
	s.occupancy(p, euiOther, true, 1)
	var missed []string
	for _, c := range s.Must(200, "GET", "/api/v1/telemetry/state-changes?limit=10", p.Access, nil)["items"].([]any) {
		if id := c.(map[string]any)["id"].(string); id != first.ID {
			missed = append([]string{id}, missed...) // the list is newest first
		}
	}
	if len(missed) != 2 {
		t.Fatalf("missed %v, want 2 changes", missed)
	}

	again := openStream(t, s.URL, "/api/v1/sites/"+p.site+"/stream", p.Access, first.ID)
	for i, want := range missed {
		if ev, _ := again.next(t); ev.ID != want {
			t.Fatalf("replayed event %d: %s, want %s (missed %v)", i, ev.ID, want, missed)
		}
	}
	s.occupancy(p, eui, true, 3)
	ev, data := again.next(t)
	if slices.Contains(missed, ev.ID) || ev.ID == first.ID || data.NewState != parking.StateOccupied {
		t.Fatalf("after the replay: %+v, want the new change", data)
	}

	bad := s.Do("GET", "/api/v1/sites/"+p.site+"/stream", p.Access, nil, "Last-Event-ID", "not-an-id")
	if bad.Status != 422 || !strings.Contains(string(bad.Body), "header.Last-Event-ID") {
		t.Errorf("bad Last-Event-ID: %d %s", bad.Status, bad.Body)
	}
}

// TestParkingStreamHeartbeatAndLimit: an idle stream gets heartbeat comments; a tenant at its
// limit of open streams gets 429 with Retry-After while another tenant still connects, and a slot
// frees when a stream closes; the instance's streams share one listening connection; draining
// ends the open streams and refuses new ones.
func TestParkingStreamHeartbeatAndLimit(t *testing.T) {
	t.Parallel()
	s := server{apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) {
		c.Stream = parking.StreamConfig{MaxPerTenant: 2, Heartbeat: 50 * time.Millisecond}
	}}), encodings[0]}
	p, q := s.parkingTenant("streamlimit"), s.parkingTenant("streamother")
	path := "/api/v1/sites/" + p.site + "/stream"

	one := openStream(t, s.URL, path, p.Access, "")
	one.comment(t, "heartbeat")
	two := openStream(t, s.URL, path, p.Access, "")
	if two.status != 200 {
		t.Fatalf("second stream: %d", two.status)
	}
	three := s.Do("GET", path, p.Access, nil)
	if three.Status != 429 || three.Header.Get("Retry-After") == "" || three.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("third stream: %d %v %s", three.Status, three.Header, three.Body)
	}
	if other := openStream(t, s.URL, "/api/v1/sites/"+q.site+"/stream", q.Access, ""); other.status != 200 {
		t.Fatalf("another tenant's stream: %d %s", other.status, other.body)
	}
	// Three streams of two tenants, one listening connection: the instance's.
	if n := s.Count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND query = 'LISTEN "parking_state_changes"'`); n != 1 {
		t.Errorf("%d connections listen to the stream's channel, want the instance's one", n)
	}
	one.close()
	var again *stream
	apitest.WaitFor(t, "a free stream slot", func() bool {
		again = openStream(t, s.URL, path, p.Access, "")
		return again.status == 200
	})
	again.comment(t, "connected")

	s.App.Server.Drain()
	select {
	case <-again.done:
	case <-t.Context().Done():
		t.Fatal("draining did not end the stream")
	}
	if r := s.Do("GET", path, p.Access, nil); r.Status != 503 {
		t.Errorf("a stream while draining: %d %s", r.Status, r.Body)
	}
}

// TestParkingStreamMaxAge: a stream ends by itself at its maximum age, so its client reconnects
// and is authenticated again: a key revoked meanwhile gets 401 instead of a new stream.
func TestParkingStreamMaxAge(t *testing.T) {
	t.Parallel()
	s := server{apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) {
		c.Stream = parking.StreamConfig{MaxAge: 500 * time.Millisecond}
	}}), encodings[0]}
	p := s.parkingTenant("streamage")
	st, k := s.CreateKey(p.Account, map[string]any{"name": "screen", "scopes": []string{"spaces:read"}})
	if st != 201 {
		t.Fatalf("key: %d", st)
	}
	path := "/api/v1/sites/" + p.site + "/stream"
	open := openStream(t, s.URL, path, "", "", "X-API-Key", k["key"].(string))
	open.comment(t, "connected")
	s.Must(204, "DELETE", "/api/v1/api-keys/"+k["id"].(string), p.Access, nil)
	select {
	case <-open.done:
	case <-t.Context().Done():
		t.Fatal("the stream did not end at its maximum age")
	}
	if again := openStream(t, s.URL, path, "", "", "X-API-Key", k["key"].(string)); again.status != 401 {
		t.Errorf("the revoked key reconnected: %d %s", again.status, again.body)
	}
}
