package audit_test

import (
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

func TestAuditLogAPI(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	owner := s.Register("bob")
	viewer := s.AddMember(m, owner, "cat", "viewer")
	r := s.Do("POST", "/api/v1/api-keys", owner.Access, map[string]any{"name": "k1"})
	reqID := r.Header.Get("X-Request-Id")
	all := s.Do("GET", "/api/v1/audit-log", owner.Access, nil)
	if all.Status != 200 || len(all.JSON(t)["items"].([]any)) < 4 {
		t.Fatalf("audit log: %d %s", all.Status, all.Body)
	}
	byReq := s.Do("GET", "/api/v1/audit-log?request_id="+reqID, owner.Access, nil)
	items := byReq.JSON(t)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["action"] != "api_key.create" || items[0].(map[string]any)["actor_id"] != owner.UserID {
		t.Errorf("filter by request id: %s", byReq.Body)
	}
	page1 := s.Do("GET", "/api/v1/audit-log?limit=2&action=", owner.Access, nil).JSON(t)
	cursor, _ := page1["next_cursor"].(string)
	if len(page1["items"].([]any)) != 2 || cursor == "" {
		t.Fatalf("first page of 2: %v", page1)
	}
	page2 := s.Do("GET", "/api/v1/audit-log?limit=2&cursor="+cursor, owner.Access, nil).JSON(t)
	if first, second := page1["items"].([]any)[1].(map[string]any)["id"], page2["items"].([]any)[0].(map[string]any)["id"]; first == second {
		t.Error("the second page repeats the first")
	}
	if r := s.Do("GET", "/api/v1/audit-log", viewer.Access, nil); r.Status != 403 {
		t.Errorf("viewer reads the audit log: %d, want 403", r.Status)
	}
	if r := s.Do("GET", "/api/v1/audit-log?cursor=!!", owner.Access, nil); r.Status != 422 {
		t.Errorf("bad cursor: %d, want 422", r.Status)
	}
	other := s.Register("dee")
	if body := string(s.Do("GET", "/api/v1/audit-log", other.Access, nil).Body); strings.Contains(body, owner.TenantID) || strings.Contains(body, owner.UserID) {
		t.Error("another tenant's audit log shows this tenant's events")
	}
}

// TestDenialIsASecurityEvent: a member refused an operation by its role leaves an auth.denied row
// in the tenant's audit log.
func TestDenialIsASecurityEvent(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	m := s.Mailer()
	owner := s.Register("gil")
	viewer := s.AddMember(m, owner, "hum", "viewer")
	r := s.Do("GET", "/api/v1/audit-log", viewer.Access, nil)
	if r.Status != 403 {
		t.Fatalf("viewer reads the audit log: %d", r.Status)
	}
	n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.denied' AND outcome = 'denied'
		AND target_id = 'list-audit-events' AND request_id = $2 AND actor_id = $3`, owner.TenantID, r.Header.Get("X-Request-Id"), viewer.UserID)
	if n != 1 {
		t.Errorf("denial rows: %d, want 1", n)
	}
}
