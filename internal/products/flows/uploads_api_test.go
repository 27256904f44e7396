package flows_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// pngBytes is a 1x1 PNG; pdfBytes the start of a PDF.
var (
	pngBytes = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
		"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
	pdfBytes = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)

// uploadsPath is the uploads collection of a session.
func uploadsPath(session string) string { return "/api/v1/sessions/" + session + "/uploads" }

// upload sends body as a file named name to a session of a.
func (s flowsAPI) upload(a apitest.Account, session, name, body string, headers ...string) apitest.Response {
	s.T.Helper()
	return s.Do("POST", uploadsPath(session)+"?filename="+url.QueryEscape(name), a.Access, body, headers...)
}

// files lists the files under a tenant's prefix of the store, temporary ones of writes in progress
// included (blob.Disk.Walk skips those).
func (s flowsAPI) files(tenant string) []string {
	s.T.Helper()
	root := s.App.Files.(*blob.Disk).Root()
	var out []string
	_ = filepath.Walk(filepath.Join(root, "tenants", tenant), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// get fetches a URL the API returned (a path and query) without credentials.
func (s flowsAPI) get(path string) apitest.Response {
	s.T.Helper()
	return s.Do("GET", path, "", nil)
}

func TestUploads(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})

	s.run(t, "round trip, list, url, download, delete", func(t *testing.T, s flowsAPI) {
		o := s.office("up1", "ann:operator")
		ann := o.m("ann")
		sess := s.session(ann, s.published(o.owner, "Printer", map[string]any{"visibility": "account"}))["id"].(string)
		created := s.upload(ann, sess, `C:\shots\printer.png`, pngBytes, "Content-Type", "application/pdf")
		if created.Status != 201 {
			t.Fatalf("upload: %d %s", created.Status, created.Body)
		}
		up := created.JSON(t)
		id := up["id"].(string)
		sum := sha256.Sum256([]byte(pngBytes))
		if up["filename"] != "printer.png" || up["content_type"] != "image/png" || up["size_bytes"] != float64(len(pngBytes)) ||
			up["sha256"] != fmt.Sprintf("%x", sum) || up["session_id"] != sess || up["uploaded_by"] != ann.UserID {
			t.Errorf("created upload: %v", up)
		}
		if loc := created.Header.Get("Location"); loc != uploadsPath(sess)+"/"+id {
			t.Errorf("Location %q", loc)
		}
		if got := s.Must(200, "GET", uploadsPath(sess)+"/"+id, ann.Access, nil); got["sha256"] != up["sha256"] {
			t.Errorf("get: %v", got)
		}
		s.Must(201, "POST", uploadsPath(sess)+"?filename=notes.pdf", ann.Access, pdfBytes)
		s.Must(201, "POST", uploadsPath(sess)+"?filename=notes.txt", ann.Access, "ping 10.0.0.1: timeout\n")
		if names := field(s.pages(ann, uploadsPath(sess), 2), "filename"); strings.Join(names, ",") != "notes.txt,notes.pdf,printer.png" {
			t.Errorf("list, newest first: %v", names)
		}
		if n := s.auditCount(o.owner.TenantID, "upload.create"); n != 3 {
			t.Errorf("%d upload.create audit rows, want 3", n)
		}

		signed := s.Must(200, "GET", uploadsPath(sess)+"/"+id+"/url", ann.Access, nil)
		u := signed["url"].(string)
		exp, _ := time.Parse(time.RFC3339, signed["expires_at"].(string))
		if !strings.HasPrefix(u, "/api/v1/files?token=") || time.Until(exp) > 5*time.Minute || time.Until(exp) < 4*time.Minute {
			t.Errorf("signed url %v", signed)
		}
		d := s.get(u)
		if d.Status != 200 || string(d.Body) != pngBytes {
			t.Fatalf("download: %d %q", d.Status, d.Body)
		}
		for h, want := range map[string]string{"Content-Type": "image/png", "Content-Disposition": `attachment; filename=printer.png`,
			"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"} {
			if got := d.Header.Get(h); got != want {
				t.Errorf("download %s: %q, want %q", h, got, want)
			}
		}

		s.Must(204, "DELETE", uploadsPath(sess)+"/"+id, ann.Access, nil)
		if n := s.auditCount(o.owner.TenantID, "upload.delete"); n != 1 {
			t.Errorf("%d upload.delete audit rows, want 1", n)
		}
		if n := len(s.files(o.owner.TenantID)); n != 2 {
			t.Errorf("%d files after deleting one of three: %v", n, s.files(o.owner.TenantID))
		}
		if n := s.Count(`SELECT count(*) FROM flow_session_uploads WHERE tenant_id = $1`, o.owner.TenantID); n != 2 {
			t.Errorf("%d rows after deleting one of three", n)
		}
		random := s.get(flows.SignedUploadPath(s.Config.SecretKey, uuid.MustParse(o.owner.TenantID), uuid.New(), time.Now().Add(time.Minute)))
		sameAsRandom(t, "the URL of a deleted upload", s.get(u), random)
		sameAsRandom(t, "get after delete", s.Do("GET", uploadsPath(sess)+"/"+id, ann.Access, nil),
			s.Do("GET", uploadsPath(sess)+"/"+uuid.NewString(), ann.Access, nil))
		sameAsRandom(t, "delete twice", s.Do("DELETE", uploadsPath(sess)+"/"+id, ann.Access, nil),
			s.Do("DELETE", uploadsPath(sess)+"/"+uuid.NewString(), ann.Access, nil))
	})

	s.run(t, "another member and another tenant get the 404 of a random id", func(t *testing.T, s flowsAPI) {
		o := s.office("up2", "ann:operator", "ben:operator")
		ann, ben := o.m("ann"), o.m("ben")
		sess := s.session(ann, s.published(o.owner, "Mail", map[string]any{"visibility": "account"}))["id"].(string)
		id := s.Must(201, "POST", uploadsPath(sess)+"?filename=a.png", ann.Access, pngBytes)["id"].(string)
		mallory := s.office("up2b").owner
		for _, who := range []apitest.Account{ben, mallory} {
			for _, m := range []struct{ method, path string }{
				{"GET", uploadsPath(sess) + "/" + id}, {"GET", uploadsPath(sess) + "/" + id + "/url"},
				{"DELETE", uploadsPath(sess) + "/" + id}, {"GET", uploadsPath(sess)},
			} {
				random := strings.Replace(m.path, id, uuid.NewString(), 1)
				if m.path == uploadsPath(sess) {
					random = uploadsPath(uuid.NewString())
				}
				sameAsRandom(t, who.Email+" "+m.method+" "+m.path, s.Do(m.method, m.path, who.Access, nil), s.Do(m.method, random, who.Access, nil))
			}
			sameAsRandom(t, who.Email+" uploading to the session", s.upload(who, sess, "x.png", pngBytes), s.upload(who, uuid.NewString(), "x.png", pngBytes))
		}
		if n := len(s.files(o.owner.TenantID)); n != 1 {
			t.Errorf("%d files, want ann's one", n)
		}
		if n := len(s.files(mallory.TenantID)); n != 0 {
			t.Errorf("%d files in the other tenant", n)
		}
		// A URL signed for the upload but in the other tenant: the signature holds, the row is not there.
		forged := flows.SignedUploadPath(s.Config.SecretKey, uuid.MustParse(mallory.TenantID), uuid.MustParse(id), time.Now().Add(time.Minute))
		if r := s.get(forged); r.Status != 404 {
			t.Errorf("another tenant's object through a signed URL: %d %s", r.Status, r.Body)
		}
	})

	s.run(t, "signed URLs expire and cannot be altered", func(t *testing.T, s flowsAPI) {
		o := s.office("up3", "ann:operator")
		ann := o.m("ann")
		sess := s.session(ann, s.published(o.owner, "VPN", map[string]any{"visibility": "account"}))["id"].(string)
		id := uuid.MustParse(s.Must(201, "POST", uploadsPath(sess)+"?filename=a.txt", ann.Access, "hello")["id"].(string))
		tenant := uuid.MustParse(o.owner.TenantID)
		valid := flows.SignedUploadPath(s.Config.SecretKey, tenant, id, time.Now().Add(3*time.Second))
		if r := s.get(valid); r.Status != 200 || string(r.Body) != "hello" || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("valid URL: %d %s", r.Status, r.Body)
		}
		random := s.get(flows.SignedUploadPath(s.Config.SecretKey, tenant, uuid.New(), time.Now().Add(time.Minute)))
		expired := flows.SignedUploadPath(s.Config.SecretKey, tenant, id, time.Now().Add(-time.Second))
		sameAsRandom(t, "an expired URL", s.get(expired), random)
		otherKey := flows.SignedUploadPath(bytes.Repeat([]byte{7}, 32), tenant, id, time.Now().Add(time.Minute))
		sameAsRandom(t, "a URL signed with another key", s.get(otherKey), random)
		token := strings.TrimPrefix(valid, "/api/v1/files?token=")
		for _, pos := range []int{0, 20, 40, len(token) - 1} {
			b := []byte(token)
			if b[pos] == 'A' {
				b[pos] = 'B'
			} else {
				b[pos] = 'A'
			}
			sameAsRandom(t, fmt.Sprintf("a token altered at %d", pos), s.get("/api/v1/files?token="+string(b)), random)
		}
		sameAsRandom(t, "no token at all", s.get("/api/v1/files?token=x"), random)
		time.Sleep(time.Until(time.Now().Add(3 * time.Second).Truncate(time.Second)))
		sameAsRandom(t, "the valid URL once expired", s.get(valid), random)
	})

	s.run(t, "size limit, content sniffing and bad names store nothing", func(t *testing.T, s flowsAPI) {
		o := s.office("up4", "ann:operator")
		ann := o.m("ann")
		sess := s.session(ann, s.published(o.owner, "Disk", map[string]any{"visibility": "account"}))["id"].(string)
		limit := int(flows.DefaultUploadMaxBytes)
		// Over the server's 1 MiB body limit but within the upload limit: taken.
		big := pngBytes + strings.Repeat("\x00", 3<<20)
		if r := s.upload(ann, sess, "big.png", big); r.Status != 201 {
			t.Fatalf("3 MiB upload: %d %s", r.Status, r.Body)
		}
		// With a Content-Length over the limit: refused before reading.
		tooBig := pngBytes + strings.Repeat("\x00", limit)
		if r := s.upload(ann, sess, "huge.png", tooBig); r.Status != 413 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("upload over the limit: %d %s", r.Status, r.Body)
		}
		// Streamed without a length: refused once the limit is passed.
		req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL+uploadsPath(sess)+"?filename=huge.png",
			io.MultiReader(strings.NewReader(tooBig)))
		req.Header.Set("Authorization", "Bearer "+ann.Access)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != 413 || res.ContentLength == 0 || !strings.Contains(string(body), "larger than") {
			t.Errorf("streamed upload over the limit: %d %s", res.StatusCode, body)
		}
		for name, b := range map[string]string{
			"setup.png":   "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + strings.Repeat("\x00", 600),
			"page.png":    "<!DOCTYPE html><html><script>alert(1)</script></html>",
			"drawing.png": `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
			"data.zip":    "PK\x03\x04" + strings.Repeat("\x00", 100),
		} {
			r := s.upload(ann, sess, name, b, "Content-Type", "image/png")
			if r.Status != 415 || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s disguised as image/png: %d %s", name, r.Status, r.Body)
			}
		}
		for name, loc := range map[string]string{"": "query.filename", strings.Repeat("n", 300): "query.filename", "a/..": "query.filename"} {
			if r := s.upload(ann, sess, name, pngBytes); r.Status != 422 {
				t.Errorf("filename %q: %d %s (%s)", name, r.Status, r.Body, loc)
			}
		}
		if r := s.upload(ann, sess, "empty.txt", ""); r.Status != 422 {
			t.Errorf("empty file: %d %s", r.Status, r.Body)
		}
		if n := s.Count(`SELECT count(*) FROM flow_session_uploads WHERE tenant_id = $1`, o.owner.TenantID); n != 1 {
			t.Errorf("%d rows, want the 3 MiB one", n)
		}
		if f := s.files(o.owner.TenantID); len(f) != 1 {
			t.Errorf("files: %v, want the 3 MiB one", f)
		}
	})

	s.run(t, "an upload cut short leaves no row and no file", func(t *testing.T, s flowsAPI) {
		o := s.office("up5", "ann:operator")
		ann := o.m("ann")
		sess := s.session(ann, s.published(o.owner, "Wifi", map[string]any{"visibility": "account"}))["id"].(string)
		u, _ := url.Parse(s.URL)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		reqID := "cut-short-" + uuid.NewString()[:8]
		half := strings.Repeat("a log line\n", 20000) // 220 000 of the 400 000 bytes announced
		_, err = fmt.Fprintf(conn, "POST %s?filename=log.txt HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
			"X-Request-Id: %s\r\nContent-Type: text/plain\r\nContent-Length: 400000\r\n\r\n%s", uploadsPath(sess), u.Host, ann.Access, reqID, half)
		if err != nil {
			t.Fatal(err)
		}
		apitest.WaitFor(t, "the server to read the first bytes", func() bool { return len(s.files(o.owner.TenantID)) > 0 })
		_ = conn.Close()
		apitest.WaitFor(t, "the request's log line", func() bool { return strings.Contains(s.Logs.String(), `"request_id":"`+reqID+`"`) })
		if f := s.files(o.owner.TenantID); len(f) != 0 {
			t.Errorf("files left behind: %v", f)
		}
		if n := s.Count(`SELECT count(*) FROM flow_session_uploads WHERE tenant_id = $1`, o.owner.TenantID); n != 0 {
			t.Errorf("%d rows of a cut upload", n)
		}
		if n := s.auditCount(o.owner.TenantID, "upload.create"); n != 0 {
			t.Errorf("%d audit rows of a cut upload", n)
		}
	})
}
