package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestLogLinesCarryTheRequest: a record logged with a request's context while the request runs
// (here the "conflict" line of a duplicate site) carries the request's id, its operation and the
// caller's tenant, without the handler passing them.
func TestLogLinesCarryTheRequest(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("logctx-owner")
	s.Must(201, "POST", "/api/v1/sites", owner.Access, map[string]any{"name": "North"})
	if r := s.Do("POST", "/api/v1/sites", owner.Access, map[string]any{"name": "NORTH"}, "X-Request-Id", "logctx-request-1"); r.Status != http.StatusConflict {
		t.Fatalf("duplicate site: %d %s", r.Status, r.Body)
	}
	var found bool
	sc := bufio.NewScanner(strings.NewReader(s.Logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["msg"] != "conflict" {
			continue
		}
		found = true
		if line["request_id"] != "logctx-request-1" || line["operation"] != "create-site" || line["tenant"] != owner.TenantID {
			t.Errorf("the conflict line: %s\nwant request_id logctx-request-1, operation create-site, tenant %s", sc.Bytes(), owner.TenantID)
		}
	}
	if !found {
		t.Fatalf("no conflict line in the log:\n%s", s.Logs.String())
	}
}

// TestLogsHoldNoShareTokens: opening a share link — the console's page /s/<token> and the API's
// /api/v1/share/<token> — logs the path with the token's secret cut out.
func TestLogsHoldNoShareTokens(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	const token = "tnr_shr_LogsMustNotHoldThisSecret0123456789"
	if r := s.Do("GET", "/s/"+token, "", nil); r.Status != http.StatusOK {
		t.Fatalf("the share page: %d", r.Status)
	}
	s.Do("GET", "/api/v1/share/"+token, "", nil)
	logs := s.Logs.String()
	if strings.Contains(logs, "LogsMustNotHoldThisSecret") {
		t.Errorf("the log holds the token:\n%s", logs)
	}
	if !strings.Contains(logs, `"path":"/s/tnr_shr_[redacted]"`) {
		t.Errorf("no request line for the share page:\n%s", logs)
	}
}
