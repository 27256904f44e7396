package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestDemoAndSimulator seeds the demo tenant through the API (twice: the second run signs in and
// reuses it) and runs the simulator: every posted event is stored and spaces change state.
func TestDemoAndSimulator(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	d, err := seedDemo(t.Context(), s.URL, mailedTo(s))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seedDemo(t.Context(), s.URL, mailedTo(s)); err != nil {
		t.Fatalf("seeding an existing demo tenant: %v", err)
	}
	if n := s.Count(`SELECT count(*) FROM spaces WHERE deleted_at IS NULL`); n != len(demoSensors) {
		t.Errorf("%d demo spaces, want %d", n, len(demoSensors))
	}
	live := followLive(t, liveCommand(s.URL, d))
	if n := s.Count(`SELECT count(*) FROM devices d JOIN displays x ON x.tenant_id = d.tenant_id AND x.device_id = d.id
		WHERE d.kind = 'display' AND d.status = 'active' AND x.generation = 1`); n != len(demoDisplays) {
		t.Errorf("%d demo displays on spaces with a queued downlink, want %d", n, len(demoDisplays))
	}
	var out bytes.Buffer
	sim := newSimulator(s.URL, d.key)
	if err := sim.discover(t.Context()); err != nil || len(sim.sensors) != len(demoSensors) {
		t.Fatalf("discover: %v (%d sensors)", err, len(sim.sensors))
	}
	if err := sim.run(t.Context(), &out, time.Millisecond, 20); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out.String())
	}
	if lines := strings.Count(out.String(), "-> stored"); lines != 20 {
		t.Errorf("%d of 20 events stored:\n%s", lines, out.String())
	}
	if n := s.Count(`SELECT count(*) FROM readings`); n != 20 {
		t.Errorf("%d readings, want 20", n)
	}
	if n := s.Count(`SELECT count(*) FROM space_state_changes WHERE source = 'sensor'`); n == 0 {
		t.Errorf("the simulator changed no space:\n%s", out.String())
	}
	if n := s.Count(`SELECT count(*) FROM devices WHERE kind = 'gateway' AND last_seen_at IS NOT NULL`); n != 1 {
		t.Errorf("the demo gateway was not seen")
	}
	select { // the printed curl command's stream carries the simulator's changes
	case <-live:
	case <-t.Context().Done():
		t.Error("the demo's live stream showed no state change")
	}
}

// followLive opens the stream of the demo's printed curl command (its URL and X-API-Key header)
// and signals the first state event.
func followLive(t *testing.T, command string) <-chan struct{} {
	t.Helper()
	f := strings.Fields(command)
	if len(f) != 6 || f[0] != "curl" || f[1] != "-N" || f[2] != "-H" || f[3] != "'X-API-Key:" {
		t.Fatalf("live command %q", command)
	}
	req, err := http.NewRequestWithContext(t.Context(), "GET", f[5], nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", strings.TrimSuffix(f[4], "'"))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("live stream: %v %v", err, res)
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() && sc.Text() != ": connected" { // subscribed once the stream opens
	}
	got := make(chan struct{})
	go func() {
		defer res.Body.Close()
		for sc.Scan() {
			if sc.Text() == "event: state" {
				close(got)
				return
			}
		}
	}()
	return got
}

// mailedTo reads the verification tokens the test server mailed (apitest.Server.MailToken).
func mailedTo(s *apitest.Server) mailToken {
	return func(_ context.Context, email string) (string, error) { return s.MailToken(email, "ver"), nil }
}

// TestDemoDisplays: with the job runner working, the demo's displays get their spaces' states
// through the stand-in ChirpStack, whose ack events close the loop.
func TestDemoDisplays(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Background: true, Quiet: true})
	d, err := seedDemo(t.Context(), s.URL, mailedTo(s))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := startDemoChirpStack(t.Context(), s.URL, d, &syncWriter{w: &out}); err != nil {
		t.Fatal(err)
	}
	// The displays were queued before ChirpStack was configured: their first attempt may have
	// failed; a state change queues a new downlink either way.
	apitest.WaitFor(t, "every demo display to acknowledge a downlink", func() bool {
		s.SuperExec(`UPDATE river_job SET scheduled_at = now() WHERE kind = 'parking.display_downlink' AND state = 'retryable'`)
		return s.Count(`SELECT count(*) FROM displays WHERE acknowledged AND sent_state IS NOT NULL`) == len(demoDisplays)
	})
}

// syncWriter serialises writes from the stand-in's handlers.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
