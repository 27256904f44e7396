package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// demoDisplays are the DevEUIs of the demo's bay displays, one over each sensor's space.
var demoDisplays = []string{"A84041DF00000001", "A84041DF00000002", "A84041DF00000003", "A84041DF00000004",
	"A84041DF00000005", "A84041DF00000006", "A84041DF00000007", "A84041DF00000008"}

// demoDisplayFormat alternates the two byte formats over the demo's displays.
func demoDisplayFormat(i int) string {
	if i%2 == 1 {
		return "tnr-compact"
	}
	return "tnr-rgb"
}

// demoChirpStack stands in for the demo tenant's ChirpStack: it accepts the downlinks Tenantry
// queues (ChirpStack v4's REST queue API), prints them, and answers each with the `ack` event a
// display would cause, posted to the ingest endpoint like ChirpStack's HTTP integration does. It
// lets `make demo` show displays following their spaces without a network server.
type demoChirpStack struct {
	base, key string // Tenantry's base URL and an API key with webhook:ingest
	out       io.Writer
	mu        sync.Mutex
	fcnt      int
	http      *http.Client
}

// startDemoChirpStack serves the stand-in on a local port until ctx ends and points the demo
// tenant's ChirpStack settings at it.
func startDemoChirpStack(ctx context.Context, base string, d demoTenant, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cs := &demoChirpStack{base: base, key: d.key, out: out, http: &http.Client{Timeout: 10 * time.Second}}
	srv := &http.Server{Handler: http.HandlerFunc(cs.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	c := &demoClient{base: base, token: d.access, http: cs.http}
	return c.call(ctx, "PUT", "/api/v1/parking/chirpstack", map[string]any{"server_url": "http://" + ln.Addr().String(),
		"api_token": "demo-chirpstack-api-token"}, &struct{}{})
}

func (cs *demoChirpStack) serve(w http.ResponseWriter, r *http.Request) {
	eui, ok := strings.CutPrefix(r.URL.Path, "/api/devices/")
	eui, ok2 := strings.CutSuffix(eui, "/queue")
	var body struct {
		QueueItem struct {
			FPort int    `json:"fPort"`
			Data  []byte `json:"data"`
		} `json:"queueItem"`
	}
	if r.Method != http.MethodPost || !ok || !ok2 || json.NewDecoder(r.Body).Decode(&body) != nil {
		http.Error(w, `{"code":3,"message":"not a queue request"}`, http.StatusBadRequest)
		return
	}
	cs.mu.Lock()
	cs.fcnt++
	fcnt := cs.fcnt
	cs.mu.Unlock()
	id := uuid.NewString()
	fmt.Fprintf(cs.out, "demo chirpstack: display %s <- fPort %d % X\n", strings.ToUpper(eui), body.QueueItem.FPort, body.QueueItem.Data)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"id":%q,"fCntDown":%d}`, id, fcnt)
	go cs.ack(eui, id, fcnt)
}

// ack posts the display's acknowledgement of a queue item, as ChirpStack would.
func (cs *demoChirpStack) ack(eui, queueItem string, fcnt int) {
	ev, _ := json.Marshal(map[string]any{"deduplicationId": uuid.NewString(), "time": time.Now().UTC().Format(time.RFC3339Nano),
		"deviceInfo": map[string]any{"devEui": strings.ToLower(eui), "deviceName": "display"}, "queueItemId": queueItem,
		"acknowledged": true, "fCntDown": fcnt})
	time.Sleep(500 * time.Millisecond) // after the worker recorded the queue item
	req, err := http.NewRequest(http.MethodPost, cs.base+"/api/v1/ingest/chirpstack?event=ack", strings.NewReader(string(ev)))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", cs.key)
	if res, err := cs.http.Do(req); err == nil {
		_ = res.Body.Close()
	}
}
