package audit_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAuditExport: the export streams every event the list's filters select, in both formats,
// across the batches it reads, and shows another tenant nothing.
func TestAuditExport(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("ivy")
	reqID := s.Do("POST", "/api/v1/api-keys", owner.Access, map[string]any{"name": "exported-key"}).Header.Get("X-Request-Id")
	// 1,200 more events, more than two of the export's batches.
	s.SuperExec(`INSERT INTO audit_events (tenant_id, id, principal_kind, actor_id, action, target_type, target_id, outcome, request_id, details)
		SELECT $1, gen_random_uuid(), 'system', '', 'bulk.event', 't', '=cmd()', 'success', 'bulk-' || g, '{}'
		FROM generate_series(1, 1200) g`, owner.TenantID)
	total := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1`, owner.TenantID)

	r := s.Do("GET", "/api/v1/audit-log/export", owner.Access, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/x-ndjson" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="audit-log-`) {
		t.Fatalf("jsonl export: %d %v", r.Status, r.Header)
	}
	lines := 0
	ids := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", lines, err)
		}
		ids[e["id"].(string)] = true
		lines++
	}
	if lines != total || len(ids) != total {
		t.Errorf("jsonl export: %d lines, %d ids, want %d events", lines, len(ids), total)
	}

	r = s.Do("GET", "/api/v1/audit-log/export?format=csv&action=bulk.event", owner.Access, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasSuffix(r.Header.Get("Content-Disposition"), `.csv"`) {
		t.Fatalf("csv export: %d %v", r.Status, r.Header)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1201 || strings.Join(rows[0], ",") != "id,occurred_at,principal_kind,actor_id,action,target_type,target_id,outcome,request_id,ip,details" {
		t.Fatalf("csv export: %d rows, header %v", len(rows), rows[0])
	}
	if rows[1][4] != "bulk.event" || rows[1][6] != "'=cmd()" {
		t.Errorf("csv row %v: want the action filter applied and the formula defused", rows[1])
	}

	one := s.Do("GET", "/api/v1/audit-log/export?request_id="+reqID, owner.Access, nil)
	if n := bytes.Count(one.Body, []byte("\n")); n != 1 || !bytes.Contains(one.Body, []byte(`"action":"api_key.create"`)) {
		t.Errorf("export filtered by request id: %s", one.Body)
	}
	if r := s.Do("GET", "/api/v1/audit-log/export?format=xml", owner.Access, nil); r.Status != 422 {
		t.Errorf("unknown format: %d, want 422", r.Status)
	}
	viewer := s.AddMember(s.Mailer(), owner, "joe", "viewer")
	if r := s.Do("GET", "/api/v1/audit-log/export", viewer.Access, nil); r.Status != 403 {
		t.Errorf("viewer exports the audit log: %d, want 403", r.Status)
	}
	other := s.Register("kit")
	for _, format := range []string{"csv", "jsonl"} {
		body := s.Do("GET", "/api/v1/audit-log/export?format="+format, other.Access, nil).Body
		if bytes.Contains(body, []byte(owner.TenantID)) || bytes.Contains(body, []byte(owner.UserID)) || bytes.Contains(body, []byte("bulk.event")) {
			t.Errorf("another tenant's %s export shows this tenant's events", format)
		}
	}
}
