package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// memberOf authenticates "Bearer member" as a viewer of one tenant.
type memberOf tenancy.TenantID

func (m memberOf) Authenticate(_ context.Context, c Credentials) (Caller, error) {
	if c.Bearer != "member" {
		return Caller{}, errs.ErrUnauthorized
	}
	p := tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: tenancy.UserID(tenancy.NewID())}
	return Caller{Principal: p, Tenant: tenancy.TenantID(m), Role: tenancy.RoleViewer}, nil
}

// logBuffer collects JSON log lines from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// line returns the first logged line with message msg, decoded.
func (b *logBuffer) line(t *testing.T, msg string) map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for l := range strings.SplitSeq(b.buf.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			return m
		}
	}
	t.Fatalf("no %q line in the log:\n%s", msg, b.buf.String())
	return nil
}

// TestInternalErrorLog: an unclassified error reaches the client as "internal error", and its log
// line says which request, operation and tenant it came from; the handler saw the same metadata.
func TestInternalErrorLog(t *testing.T) {
	t.Parallel()
	tenant := tenancy.TenantID(tenancy.NewID())
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	s := New(Options{Logger: log, Authenticator: memberOf(tenant)})
	var seen tenancy.Request
	Register(s.API(), log, huma.Operation{OperationID: "get-widget", Method: http.MethodGet, Path: "/widget"},
		Access{Class: Tenant, Role: tenancy.RoleViewer}, func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			seen = tenancy.RequestFrom(ctx)
			return nil, fmt.Errorf("widgets: get widget: %w", errors.New("connection reset"))
		})
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/widget", nil)
	req.Header.Set("Authorization", "Bearer member")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	srv.Close() // waits for the request's log line
	id := res.Header.Get("X-Request-Id")
	if res.StatusCode != 500 || !strings.Contains(string(body), `"detail":"internal error"`) || strings.Contains(string(body), "connection reset") || id == "" {
		t.Fatalf("response: %d, X-Request-Id %q, %s", res.StatusCode, id, body)
	}
	want := map[string]any{"request_id": id, "operation": "get-widget", "tenant": tenant.String(), "principal": "user",
		"err": "widgets: get widget: connection reset", "level": "ERROR"}
	got := logs.line(t, "internal error")
	for k, v := range want {
		if got[k] != v {
			t.Errorf("internal error log: %s = %v, want %v", k, got[k], v)
		}
	}
	if seen.ID != id || seen.Operation != "get-widget" || seen.Tenant != tenant || !seen.IP.IsLoopback() {
		t.Errorf("the handler's tenancy.Request: %+v", seen)
	}
	reqLine := logs.line(t, "request")
	if ms, ok := reqLine["duration_ms"].(float64); !ok || ms <= 0 || reqLine["duration"] != nil || reqLine["request_id"] != id {
		t.Errorf("request log line: %v", reqLine)
	}
}
