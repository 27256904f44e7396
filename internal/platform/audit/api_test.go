package main

import (
	"strings"
	"testing"
)

func TestAuditLogAPI(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	m := s.mailer()
	owner := s.register("bob")
	viewer := s.addMember(m, owner, "cat", "viewer")
	r := s.do("POST", "/api/v1/api-keys", owner.access, map[string]any{"name": "k1"})
	reqID := r.header.Get("X-Request-Id")
	all := s.do("GET", "/api/v1/audit-log", owner.access, nil)
	if all.status != 200 || len(all.json(t)["items"].([]any)) < 4 {
		t.Fatalf("audit log: %d %s", all.status, all.body)
	}
	byReq := s.do("GET", "/api/v1/audit-log?request_id="+reqID, owner.access, nil)
	items := byReq.json(t)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["action"] != "api_key.create" || items[0].(map[string]any)["actor_id"] != owner.userID {
		t.Errorf("filter by request id: %s", byReq.body)
	}
	page1 := s.do("GET", "/api/v1/audit-log?limit=2&action=", owner.access, nil).json(t)
	cursor, _ := page1["next_cursor"].(string)
	if len(page1["items"].([]any)) != 2 || cursor == "" {
		t.Fatalf("first page of 2: %v", page1)
	}
	page2 := s.do("GET", "/api/v1/audit-log?limit=2&cursor="+cursor, owner.access, nil).json(t)
	if first, second := page1["items"].([]any)[1].(map[string]any)["id"], page2["items"].([]any)[0].(map[string]any)["id"]; first == second {
		t.Error("the second page repeats the first")
	}
	if r := s.do("GET", "/api/v1/audit-log", viewer.access, nil); r.status != 403 {
		t.Errorf("viewer reads the audit log: %d, want 403", r.status)
	}
	if r := s.do("GET", "/api/v1/audit-log?cursor=!!", owner.access, nil); r.status != 422 {
		t.Errorf("bad cursor: %d, want 422", r.status)
	}
	other := s.register("dee")
	if body := string(s.do("GET", "/api/v1/audit-log", other.access, nil).body); strings.Contains(body, owner.tenantID) || strings.Contains(body, owner.userID) {
		t.Error("another tenant's audit log shows this tenant's events")
	}
}

// TestDenialIsASecurityEvent: a member refused an operation by its role leaves an auth.denied row
// in the tenant's audit log.
func TestDenialIsASecurityEvent(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	m := s.mailer()
	owner := s.register("gil")
	viewer := s.addMember(m, owner, "hum", "viewer")
	r := s.do("GET", "/api/v1/audit-log", viewer.access, nil)
	if r.status != 403 {
		t.Fatalf("viewer reads the audit log: %d", r.status)
	}
	n := s.count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.denied' AND outcome = 'denied'
		AND target_id = 'list-audit-events' AND request_id = $2 AND actor_id = $3`, owner.tenantID, r.header.Get("X-Request-Id"), viewer.userID)
	if n != 1 {
		t.Errorf("denial rows: %d, want 1", n)
	}
}
