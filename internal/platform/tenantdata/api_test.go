package tenantdata_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAPITenantExport: over HTTP, the tenant's owner downloads a zip archive with a file for
// every tenant table, the tenant's rows (its flow, its site), its uploaded file and a manifest;
// an admin is refused (403); the export is in the tenant's audit log; another tenant's flow is
// not in the archive.
func TestAPITenantExport(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner, other := s.Register("exp"), s.Register("exp-other")
	admin := s.AddMember(s.Mailer(), owner, "exp-admin", "admin")
	s.Must(201, "POST", "/api/v1/flows", owner.Access, map[string]any{"kind": "troubleshooting", "title": "Exported flow"})
	s.Must(201, "POST", "/api/v1/flows", other.Access, map[string]any{"kind": "troubleshooting", "title": "Someone else's flow"})
	s.Must(201, "POST", "/api/v1/sites", owner.Access, map[string]any{"name": "Exported site", "timezone": "Europe/Berlin"})
	files, err := blob.NewDisk(filepath.Join(s.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := blob.Key(uuid.MustParse(owner.TenantID), "uploads", "note.txt")
	if _, err := files.Put(t.Context(), key, strings.NewReader("uploaded")); err != nil {
		t.Fatal(err)
	}

	if r := s.Do("GET", "/api/v1/tenant/export", admin.Access, nil); r.Status != http.StatusForbidden {
		t.Errorf("an admin: %d", r.Status)
	}
	r := s.Do("GET", "/api/v1/tenant/export", owner.Access, nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("the owner: %d %v", r.Status, r.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	content := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		content[f.Name] = string(b)
	}
	for name, want := range map[string]string{"tables/flows.jsonl": "Exported flow", "tables/sites.jsonl": "Exported site",
		"tables/memberships.jsonl": owner.UserID, "files/uploads/note.txt": "uploaded", "manifest.json": "tenantry-export/1"} {
		if !strings.Contains(content[name], want) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
	if n := s.Count(`SELECT count(*) FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition`); n != countPrefix(content, "tables/") {
		t.Errorf("%d table files for %d tenant tables", countPrefix(content, "tables/"), n)
	}
	for name, c := range content {
		if strings.Contains(c, "Someone else's flow") || strings.Contains(c, other.TenantID) {
			t.Errorf("%s holds the other tenant's data", name)
		}
		if strings.HasPrefix(name, "tables/") && (strings.Contains(c, `"token_hash"`) || strings.Contains(c, `"secret_sealed"`)) {
			t.Errorf("%s holds a secret column", name)
		}
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'tenant.export'`, owner.TenantID); n != 1 {
		t.Errorf("%d tenant.export audit events", n)
	}
}

func countPrefix(m map[string]string, prefix string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}
