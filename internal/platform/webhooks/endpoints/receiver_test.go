package endpoints_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/webhooks"
)

// receiver is a local webhook endpoint: it keeps every request and answers 204, 500 (fail) or
// nothing until the client gives up (hang).
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	mode string // "", "fail", "hang"
	got  []hit
}

// hit is one request the receiver got.
type hit struct {
	header http.Header
	body   []byte
	event  webhooks.Envelope
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	done := make(chan struct{})
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		h := hit{header: req.Header.Clone(), body: body}
		_ = json.Unmarshal(body, &h.event)
		r.mu.Lock()
		r.got = append(r.got, h)
		mode := r.mode
		r.mu.Unlock()
		switch mode {
		case "fail":
			http.Error(w, "receiver down", http.StatusInternalServerError)
		case "hang":
			select {
			case <-req.Context().Done():
			case <-done:
			}
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(func() { close(done); r.srv.Close() })
	return r
}

func (r *receiver) set(mode string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mode = mode
}

// verified returns the requests whose signature verifies with secret, of event type typ ("" any).
func (r *receiver) verified(secret, typ string) []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []hit
	for _, h := range r.got {
		if webhooks.Verify(secret, h.header.Get(webhooks.SignatureHeader), h.body, webhooks.DefaultTolerance, time.Now()) == nil &&
			(typ == "" || h.event.Type == typ) {
			out = append(out, h)
		}
	}
	return out
}

// all returns every request received.
func (r *receiver) all() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.got...)
}
