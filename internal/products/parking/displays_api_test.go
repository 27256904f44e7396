package parking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// fakeChirpStack speaks ChirpStack v4's REST device-queue API (POST /api/devices/{devEui}/queue,
// a bearer API token, grpc-gateway JSON) and records what it queued. It can be told to answer
// 503 or to drop the connection without an answer (what a client sees of a timeout).
type fakeChirpStack struct {
	*httptest.Server
	mu       sync.Mutex
	fail     int // answer 503 to this many requests
	drop     int // close this many connections without answering
	requests int // every request, failed ones included
	queued   []queuedDownlink
}

// queuedDownlink is one downlink the fake accepted.
type queuedDownlink struct {
	EUI, Auth, ID string
	Confirmed     bool
	FPort         int
	Data          []byte
}

func startChirpStack(t *testing.T) *fakeChirpStack {
	f := &fakeChirpStack{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeChirpStack) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	eui, ok := strings.CutPrefix(r.URL.Path, "/api/devices/")
	eui, ok2 := strings.CutSuffix(eui, "/queue")
	if r.Method != http.MethodPost || !ok || !ok2 {
		http.Error(w, `{"code":5,"message":"not found"}`, http.StatusNotFound)
		return
	}
	if f.drop > 0 {
		f.drop--
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	}
	if f.fail > 0 {
		f.fail--
		http.Error(w, `{"code":14,"message":"unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	var body struct {
		QueueItem struct {
			Confirmed bool   `json:"confirmed"`
			FPort     int    `json:"fPort"`
			Data      []byte `json:"data"`
		} `json:"queueItem"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, `{"code":3,"message":"bad json"}`, http.StatusBadRequest)
		return
	}
	q := queuedDownlink{EUI: eui, Auth: r.Header.Get("Authorization"), ID: uuid.NewString(), Confirmed: body.QueueItem.Confirmed,
		FPort: body.QueueItem.FPort, Data: body.QueueItem.Data}
	f.queued = append(f.queued, q)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"id":%q,"fCntDown":%d}`, q.ID, len(f.queued))
}

// got returns the downlinks queued so far and the number of requests.
func (f *fakeChirpStack) got() ([]queuedDownlink, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]queuedDownlink(nil), f.queued...), f.requests
}

func (f *fakeChirpStack) set(fail, drop int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.drop = fail, drop
}

// startDisplayServer starts the service without its job runner: the test starts it (runJobs)
// once the jobs it wants to watch are queued.
func startDisplayServer(t *testing.T, enc encoding) server {
	return server{apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) { c.Jobs.DisableSchedules = true }}), enc}
}

// runJobs runs the service's job runner until the test ends.
func (s server) runJobs() {
	ctx, cancel := context.WithCancel(context.WithoutCancel(s.T.Context()))
	done := make(chan struct{})
	go func() { s.App.Jobs.Run(ctx); close(done) }()
	s.T.Cleanup(func() { cancel(); <-done })
}

const chirpToken = "tnr-test-chirpstack-token-5e1f"

// displayTenant is a tenant whose ChirpStack settings point at cs, with a space.
func (s server) displayTenant(name string, cs *fakeChirpStack) (parkingTenant, string) {
	s.T.Helper()
	p := s.parkingTenant(name)
	s.Must(200, "PUT", "/api/v1/parking/chirpstack", p.Access, map[string]any{"server_url": cs.URL + "/", "api_token": chirpToken})
	return p, s.space(p, "D-1")
}

// display registers a display on space and returns its id and EUI.
func (s server) display(p parkingTenant, space, format string) (id, eui string) {
	s.T.Helper()
	eui = strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:16])
	body := map[string]any{"dev_eui": eui, "name": "bay light", "space_id": space}
	if format != "" {
		body["format"] = format
	}
	d := s.Must(201, "POST", "/api/v1/displays", p.Access, body)
	return d["id"].(string), eui
}

func (s server) downlink(p parkingTenant, display string) map[string]any {
	s.T.Helper()
	return s.Must(200, "GET", "/api/v1/displays/"+display, p.Access, nil)["downlink"].(map[string]any)
}

func (s server) waitDownlink(p parkingTenant, display, status string) map[string]any {
	s.T.Helper()
	var d map[string]any
	apitest.WaitFor(s.T, "display downlink "+status, func() bool {
		d = s.downlink(p, display)
		return d["status"] == status
	})
	return d
}

func (s server) override(p parkingTenant, space string, on bool) {
	s.T.Helper()
	if on {
		s.Must(200, "PUT", "/api/v1/spaces/"+space+"/override", p.Access, map[string]any{"kind": "maintenance", "reason": "paint"})
	} else {
		s.Must(200, "DELETE", "/api/v1/spaces/"+space+"/override", p.Access, nil)
	}
}

// TestDisplayDownlinkFollowsTheState: a display on a space gets the space's state at once, and a
// new downlink at each change of the derived state, in its byte format, through ChirpStack's
// queue API with the tenant's token; ChirpStack's txack and ack events (both encodings) close the
// loop: the display shows whether it acknowledged the current state.
func TestDisplayDownlinkFollowsTheState(t *testing.T) {
	t.Parallel()
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			t.Parallel()
			s := startDisplayServer(t, enc)
			cs := startChirpStack(t)
			a, space := s.displayTenant("dl-"+enc.name, cs)
			display, eui := s.display(a, space, "")
			s.runJobs()
			s.waitDownlink(a, display, "sent")
			s.override(a, space, true)
			apitest.WaitFor(t, "the second downlink", func() bool { q, _ := cs.got(); return len(q) == 2 })
			q, _ := cs.got()
			want := []queuedDownlink{
				{EUI: strings.ToLower(eui), Auth: "Bearer " + chirpToken, Confirmed: true, FPort: 10, Data: []byte{0x01, 0x00, 0x00, 0xC8, 0x00, 0x64, 0x01}},
				{EUI: strings.ToLower(eui), Auth: "Bearer " + chirpToken, Confirmed: true, FPort: 10, Data: []byte{0x01, 0x03, 0xFF, 0xA0, 0x00, 0x64, 0x02}},
			}
			for i, w := range want {
				g := q[i]
				if g.EUI != w.EUI || g.Auth != w.Auth || g.Confirmed != w.Confirmed || g.FPort != w.FPort || !bytes.Equal(g.Data, w.Data) {
					t.Errorf("downlink %d: %+v, want %+v", i, g, w)
				}
			}
			d := s.waitDownlink(a, display, "sent")
			if d["sent_state"] != "MAINTENANCE" || d["queue_item_id"] != q[1].ID || d["shows_current"] != false {
				t.Errorf("after the second downlink: %v", d)
			}

			// The gateway transmitted it, then the display acknowledged it.
			s.ingest(a, "txack", event(t, "txack.json", eui, map[string]any{"queueItemId": q[1].ID, "fCntDown": 2}))
			if d := s.downlink(a, display); d["status"] != "transmitted" || d["transmitted_at"] == nil {
				t.Errorf("after txack: %v", d)
			}
			stale := s.ingest(a, "ack", event(t, "ack.json", eui, map[string]any{"queueItemId": q[0].ID, "acknowledged": true}))
			if d := s.downlink(a, display); stale.Status != 200 || d["acknowledged"] != nil {
				t.Errorf("an ack of the older downlink changed the display: %v", d)
			}
			s.ingest(a, "ack", event(t, "ack.json", eui, map[string]any{"queueItemId": q[1].ID, "acknowledged": true, "fCntDown": 2}))
			if d := s.downlink(a, display); d["status"] != "acknowledged" || d["shows_current"] != true || d["f_cnt_down"] != 2.0 {
				t.Errorf("after ack: %v", d)
			}
			// The state moves on: the acknowledged state is no longer the current one.
			s.override(a, space, false)
			if d := s.downlink(a, display); d["shows_current"] != false || d["wanted_state"] != "FREE" {
				t.Errorf("after the override is lifted: %v", d)
			}

			// The token is write-only and sealed at rest.
			c := s.Do("GET", "/api/v1/parking/chirpstack", a.Access, nil)
			if c.Status != 200 || strings.Contains(string(c.Body), chirpToken) || c.JSON(t)["has_api_token"] != true {
				t.Errorf("chirpstack settings: %d %s", c.Status, c.Body)
			}
			if n := s.Count(`SELECT count(*) FROM display_settings WHERE position($1::bytea IN chirpstack_token) > 0`, []byte(chirpToken)); n != 0 {
				t.Error("the ChirpStack token is stored in the clear")
			}
		})
	}
}

// TestDisplayDownlinksCoalesce: several changes before the worker runs are one downlink, of the
// latest state; the older jobs end without sending.
func TestDisplayDownlinksCoalesce(t *testing.T) {
	t.Parallel()
	s := startDisplayServer(t, encodings[0])
	cs := startChirpStack(t)
	a, space := s.displayTenant("coalesce", cs)
	display, _ := s.display(a, space, "tnr-compact")
	s.override(a, space, true)
	s.override(a, space, false)
	s.override(a, space, true)
	if n := s.Count(`SELECT count(*) FROM river_job WHERE kind = 'parking.display_downlink' AND args->>'display_id' = $1`, display); n != 4 {
		t.Fatalf("%d downlink jobs, want one per state (4)", n)
	}
	s.runJobs()
	apitest.WaitFor(t, "every downlink job to finish", func() bool {
		return s.Count(`SELECT count(*) FROM river_job WHERE kind = 'parking.display_downlink' AND state = 'completed'`) == 4
	})
	q, requests := cs.got()
	if len(q) != 1 || requests != 1 {
		t.Fatalf("%d downlinks in %d requests, want the latest state once", len(q), requests)
	}
	// tnr-compact: MAINTENANCE (3) << 6 | brightness 31; colour #FFA000 as RGB 3-3-2.
	if !bytes.Equal(q[0].Data, []byte{0xDF, 0xF4}) || q[0].FPort != 11 {
		t.Errorf("downlink % X on %d, want DF F4 on 11", q[0].Data, q[0].FPort)
	}
	if d := s.downlink(a, display); d["status"] != "sent" || d["sent_state"] != "MAINTENANCE" || d["generation"] != 4.0 {
		t.Errorf("display after the coalesced downlink: %v", d)
	}
}

// TestDisplayDownlinkRetriesAndDeadLetters: a failed attempt (503, a dropped connection) is
// retried with River's backoff; after the last attempt the display is a dead letter, listed, and
// an operator's retry sends its latest state.
func TestDisplayDownlinkRetriesAndDeadLetters(t *testing.T) {
	t.Parallel()
	s := startDisplayServer(t, encodings[0])
	cs := startChirpStack(t)
	a, space := s.displayTenant("dead", cs)
	display, _ := s.display(a, space, "")
	cs.set(1000, 0)
	// Five attempts take minutes with River's backoff: this job gets two.
	if n := s.Count(`WITH u AS (UPDATE river_job SET max_attempts = 2 WHERE kind = 'parking.display_downlink' RETURNING 1) SELECT count(*) FROM u`); n != 1 {
		t.Fatalf("%d jobs, want 1", n)
	}
	s.runJobs()
	d := s.waitDownlink(a, display, "dead")
	if d["attempts"] != 2.0 || !strings.Contains(fmt.Sprint(d["last_error"]), "503") || d["dead_at"] == nil {
		t.Errorf("dead letter: %v", d)
	}
	dead := s.Must(200, "GET", "/api/v1/displays?dead=true", a.Access, nil)["items"].([]any)
	if len(dead) != 1 || dead[0].(map[string]any)["id"] != display {
		t.Errorf("dead letters: %v", dead)
	}
	if q, requests := cs.got(); len(q) != 0 || requests != 2 {
		t.Errorf("%d downlinks in %d requests, want two failed attempts", len(q), requests)
	}

	cs.set(0, 0)
	s.Must(200, "POST", "/api/v1/displays/"+display+"/retry-downlink", a.Access, nil)
	d = s.waitDownlink(a, display, "sent")
	if d["sent_state"] != "FREE" || d["attempts"] != 0.0 || d["dead_at"] != nil {
		t.Errorf("after the retry: %v", d)
	}
	if dead := s.Must(200, "GET", "/api/v1/displays?dead=true", a.Access, nil)["items"].([]any); len(dead) != 0 {
		t.Errorf("dead letters after the retry: %v", dead)
	}

	// A dropped connection is retried, and the retry sends.
	cs.set(0, 1)
	s.override(a, space, true)
	apitest.WaitFor(t, "the retried downlink", func() bool { q, _ := cs.got(); return len(q) == 2 })
	d = s.waitDownlink(a, display, "sent")
	if _, requests := cs.got(); requests != 5 || d["sent_state"] != "MAINTENANCE" {
		t.Errorf("%d requests, display %v; want a dropped attempt, then the downlink", requests, d)
	}
}

// TestDisplaysAcrossTenants: another tenant cannot see, change, retry or place a tenant's
// display, nor register one on its space; an ack event sent with its ingest key for the EUI of
// a tenant's display lands in its own orphan inbox.
func TestDisplaysAcrossTenants(t *testing.T) {
	t.Parallel()
	s := startDisplayServer(t, encodings[0])
	cs := startChirpStack(t)
	a, spaceA := s.displayTenant("disp-a", cs)
	b, spaceB := s.displayTenant("disp-b", cs)
	display, eui := s.display(a, spaceA, "")
	missing := s.Do("GET", "/api/v1/displays/"+uuid.NewString(), b.Access, nil)
	for _, r := range []apitest.Response{
		s.Do("GET", "/api/v1/displays/"+display, b.Access, nil),
		s.Do("PATCH", "/api/v1/displays/"+display, b.Access, map[string]any{"name": "mine"}),
		s.Do("POST", "/api/v1/displays/"+display+"/retry-downlink", b.Access, nil),
		s.Do("POST", "/api/v1/devices/"+display+"/assign", b.Access, map[string]any{"space_id": spaceB}),
	} {
		if r.Status != 404 || r.Fingerprint() != missing.Fingerprint() {
			t.Errorf("B on A's display: %d %s, want the 404 of a missing one", r.Status, r.Body)
		}
	}
	if r := s.Do("POST", "/api/v1/displays", b.Access, map[string]any{"dev_eui": "00AA00AA00AA00AA", "space_id": spaceA}); r.Status != 404 {
		t.Errorf("B registers a display on A's space: %d %s", r.Status, r.Body)
	}
	if items := s.Must(200, "GET", "/api/v1/displays", b.Access, nil)["items"].([]any); len(items) != 0 {
		t.Errorf("B lists displays: %v", items)
	}
	r := s.ingest(b, "ack", event(t, "ack.json", eui, map[string]any{"queueItemId": "x", "acknowledged": false}))
	if r.Status != 200 || r.JSON(t)["status"] != "orphan" {
		t.Errorf("B's ack for A's EUI: %d %s", r.Status, r.Body)
	}
	if d := s.downlink(a, display); d["acknowledged"] != nil || d["generation"] != 1.0 {
		t.Errorf("A's display after B's requests: %v", d)
	}
}

// TestDisplayPolicyAndSettingsValidation: the policy and ChirpStack settings name the field they
// refuse; a valid policy is stored in canonical form.
func TestDisplayPolicyAndSettingsValidation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("policy")
	base := map[string]any{"colour_free": "#00ff00", "colour_occupied": "#FF0000", "colour_reserved": "#0000FF",
		"colour_maintenance": "#FFA000", "reserved_soon_minutes": 10}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range base {
			m[key] = val
		}
		m[k] = v
		return m
	}
	cases := []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/v1/parking/display-policy", with("colour_free", "green"), "body.colour_free"},
		{"/api/v1/parking/display-policy", with("reserved_soon_minutes", 5000), "body.reserved_soon_minutes"},
		{"/api/v1/parking/display-policy", with("quiet_start", "22:00"), "body.quiet_end"},
		{"/api/v1/parking/display-policy", with("quiet_start", "25:00"), "body.quiet_end"},
		{"/api/v1/parking/display-policy", with("quiet_brightness", 101), "body.quiet_brightness"},
		{"/api/v1/parking/chirpstack", map[string]any{"server_url": "ftp://cs.example"}, "body.server_url"},
		{"/api/v1/parking/chirpstack", map[string]any{"server_url": "https://u:p@cs.example"}, "body.server_url"},
		{"/api/v1/parking/chirpstack", map[string]any{"server_url": "https://cs.example", "api_token": "short"}, "body.api_token"},
	}
	for _, c := range cases {
		r := s.Do("PUT", c.path, a.Access, c.body)
		if r.Status != 422 || !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s %v: %d %s, want 422 naming %s", c.path, c.body, r.Status, r.Body, c.field)
		}
	}
	valid := with("quiet_start", "22:00")
	valid["quiet_end"] = "06:30"
	p := s.Must(200, "PUT", "/api/v1/parking/display-policy", a.Access, valid)
	if p["colour_free"] != "#00FF00" || p["quiet_start"] != "22:00" || p["quiet_end"] != "06:30" || p["quiet_brightness"] != 20.0 {
		t.Errorf("stored policy: %v", p)
	}
	if g := s.Must(200, "GET", "/api/v1/parking/display-policy", a.Access, nil); g["quiet_end"] != "06:30" || g["reserved_soon_minutes"] != 10.0 {
		t.Errorf("policy read back: %v", g)
	}
}

// refreshDisplays runs the display refresh of p's tenant (what the minute's sweep inserts) and
// waits until that job is done.
func (s server) refreshDisplays(p parkingTenant) {
	s.T.Helper()
	ctx := s.T.Context()
	if err := s.App.Jobs.Insert(ctx, parking.DisplayRefreshArgs{TenantArgs: jobs.TenantArgs{TenantID: p.TenantID}, Slot: time.Now().UnixNano()}); err != nil {
		s.T.Fatal(err)
	}
	apitest.WaitFor(s.T, "the display refresh", func() bool {
		res, err := s.App.Jobs.Client().JobList(ctx, river.NewJobListParams().Kinds("parking.display_refresh").
			States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStatePending))
		return err == nil && len(res.Jobs) == 0
	})
}

// TestDisplaysFollowTime: a display follows the clock without a state change of its space. A
// reservation starting within the policy's threshold makes the free space's display blink at the
// next refresh, once (a second refresh sends nothing); a policy change reaches every placed
// display at once (quiet hours dim it); a cancelled reservation stops the blinking. Another
// tenant's display gets none of it.
func TestDisplaysFollowTime(t *testing.T) {
	t.Parallel()
	s := startDisplayServer(t, encodings[0])
	cs := startChirpStack(t)
	a, space := s.displayTenant("time-a", cs)
	b, spaceB := s.displayTenant("time-b", cs)
	display, eui := s.display(a, space, "")
	_, euiB := s.display(b, spaceB, "")
	s.runJobs()
	s.waitDownlink(a, display, "sent")
	mine := func() []queuedDownlink {
		q, _ := cs.got()
		var out []queuedDownlink
		for _, d := range q {
			switch d.EUI {
			case strings.ToLower(eui):
				out = append(out, d)
			case strings.ToLower(euiB):
			default:
				t.Errorf("a downlink to %s", d.EUI)
			}
		}
		return out
	}
	look := func(n int, want byte) {
		t.Helper()
		apitest.WaitFor(t, fmt.Sprintf("downlink %d", n), func() bool { return len(mine()) >= n })
		q := mine()
		if len(q) != n || q[n-1].Data[1] != 0x00 || q[n-1].Data[5] != want {
			t.Errorf("downlinks %d, the last %x; want %d, FREE with blink and brightness %#x", len(q), q[len(q)-1].Data, n, want)
		}
	}
	look(1, 0x64)

	// Nothing to refresh yet: no downlink.
	s.refreshDisplays(a)
	look(1, 0x64)

	start := time.Now().Add(5 * time.Minute).UTC()
	res := s.Must(201, "POST", "/api/v1/reservations", a.Access, map[string]any{"request_id": uuid.NewString(), "space_id": space,
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)})
	s.refreshDisplays(a)
	look(2, 0x80|0x64)
	s.waitDownlink(a, display, "sent")
	s.refreshDisplays(a)
	look(2, 0x80|0x64)

	now := time.Now().UTC()
	s.Must(200, "PUT", "/api/v1/parking/display-policy", a.Access, map[string]any{"colour_free": "#00C800", "colour_occupied": "#FF0000",
		"colour_reserved": "#0050FF", "colour_maintenance": "#FFA000", "reserved_soon_minutes": 15,
		"quiet_start": now.Add(-time.Hour).Format("15:04"), "quiet_end": now.Add(time.Hour).Format("15:04"), "quiet_brightness": 20})
	look(3, 0x80|20)
	s.waitDownlink(a, display, "sent")

	s.Must(200, "POST", "/api/v1/reservations/"+res["id"].(string)+"/cancel", a.Access, map[string]any{"reason": "plans changed"})
	s.refreshDisplays(a)
	look(4, 20)

	if q, _ := cs.got(); len(q)-len(mine()) != 1 {
		t.Errorf("tenant B's display got %d downlinks, want its first only", len(q)-len(mine()))
	}
}
