package app_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/platform/tenantdata"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// purgeWorld is the isolation world (a row in every tenant table for A and for B) with files of
// both tenants in a store of its own, and the owner role's connection.
type purgeWorld struct {
	*world
	files *blob.Disk
	m     *postgres.Maintenance
}

func newPurgeWorld(t *testing.T) purgeWorld {
	t.Helper()
	w := newWorld(t, 4)
	files, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range []tenant{w.a, w.b} {
		for _, name := range []string{"report.pdf", "photo.jpg"} {
			key, _ := blob.Key(tn.id.UUID(), "uploads", name)
			if _, err := files.Put(t.Context(), key, strings.NewReader("file of "+tn.id.String())); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, err := postgres.OpenMaintenance(t.Context(), w.env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(t.Context()) })
	return purgeWorld{world: w, files: files, m: m}
}

// markDeleted sets a tenant's status to deleted, as identity.DeleteTenant does.
func (w purgeWorld) markDeleted(t *testing.T, tn tenant) {
	t.Helper()
	err := w.m.Tenant(t.Context(), tn.id.UUID(), func(q postgres.Querier) error {
		_, err := q.Exec(t.Context(), `UPDATE tenants SET status = 'deleted', deleted_at = now() WHERE id = $1`, tn.id.UUID())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// everyTableHasRows fails unless the check counts at least one row in every tenant table (the
// seeds' positive control: a purge check that sees nothing proves nothing).
func everyTableHasRows(t *testing.T, who string, c tenantdata.Check) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	if len(c.Tables) < 20 {
		t.Fatalf("%s: the catalog lists %d tenant tables", who, len(c.Tables))
	}
	for _, tr := range c.Tables {
		if tr.Rows == 0 {
			t.Errorf("%s: no row in %s", who, tr.Table)
		}
		out[tr.Table] = tr.Rows
	}
	return out
}

// TestPurgeTenant: a tenant that is not deleted is refused; a deleted one's rows leave every
// tenant table and its files the store, the check says so (and is recorded outside the tenant as
// tenant.purged), while the other tenant keeps every row and file; running it again changes
// nothing and is still clean.
func TestPurgeTenant(t *testing.T) {
	t.Parallel()
	w := newPurgeWorld(t)
	p := tenantdata.NewPurger(w.m, w.files)
	ctx := t.Context()
	if _, err := p.Purge(ctx, w.a.id.UUID()); !errors.Is(err, tenantdata.ErrNotDeleted) {
		t.Fatalf("purging an active tenant: %v", err)
	}
	before, err := p.Verify(ctx, w.b.id.UUID())
	if err != nil {
		t.Fatal(err)
	}
	bRows := everyTableHasRows(t, "B before", before)
	if a, _ := p.Verify(ctx, w.a.id.UUID()); a.Clean() || a.Files != 2 {
		t.Fatalf("A before the purge: %+v", a)
	}
	w.markDeleted(t, w.a)

	for run := 1; run <= 2; run++ {
		r, err := p.Purge(ctx, w.a.id.UUID())
		if err != nil {
			t.Fatalf("purge %d: %v", run, err)
		}
		if !r.Check.Clean() || len(r.Check.Tables) != len(before.Tables) {
			t.Errorf("purge %d: check %+v", run, r.Check)
		}
		var deleted int64
		for _, d := range r.Deleted {
			deleted += d.Rows
		}
		if wantFiles := map[int]int{1: 2, 2: 0}[run]; r.FilesDeleted != wantFiles || (run == 1) != (deleted > 0) {
			t.Errorf("purge %d: %d rows and %d files deleted", run, deleted, r.FilesDeleted)
		}
		a, err := p.Verify(ctx, w.a.id.UUID())
		if err != nil || !a.Clean() {
			t.Errorf("verify A after purge %d: %+v %v", run, a, err)
		}
		after, err := p.Verify(ctx, w.b.id.UUID())
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range after.Tables {
			if tr.Rows != bRows[tr.Table] {
				t.Errorf("purge %d: B's %s has %d rows, had %d", run, tr.Table, tr.Rows, bRows[tr.Table])
			}
		}
		if after.Files != 2 {
			t.Errorf("purge %d: B has %d files, had 2", run, after.Files)
		}
	}
	var events int
	err = w.m.Global(ctx, func(q postgres.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM security_events WHERE action = 'tenant.purged' AND outcome = 'success'
			AND details->>'tenant_id' = $1 AND (details->>'rows_left')::int = 0 AND (details->>'files_left')::int = 0`,
			w.a.id.String()).Scan(&events)
	})
	if err != nil || events != 2 {
		t.Errorf("%d tenant.purged events (%v), want 2", events, err)
	}
}

// purgeChildEnv names the tenant a child process purges and dies in (TestPurgeChild).
const purgeChildEnv = "TENANTRY_TEST_PURGE_CHILD"

// TestPurgeCrashMidway: a purge killed (SIGKILL) right after its first table has committed leaves
// the rest of the tenant's rows; running the purge again completes it.
func TestPurgeCrashMidway(t *testing.T) {
	t.Parallel()
	w := newPurgeWorld(t)
	w.markDeleted(t, w.a)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestPurgeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), purgeChildEnv+"="+strings.Join([]string{w.env.OwnerURL, w.a.id.String(), w.files.Root()}, "|"))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed: %v\n%s", err, out)
	}
	p := tenantdata.NewPurger(w.m, w.files)
	midway, err := p.Verify(t.Context(), w.a.id.UUID())
	if err != nil {
		t.Fatal(err)
	}
	var emptied, left int
	for _, tr := range midway.Tables {
		if tr.Rows == 0 {
			emptied++
		} else {
			left++
		}
	}
	if emptied == 0 || left == 0 || midway.Files != 2 {
		t.Fatalf("after the crash: %d tables emptied, %d with rows, %d files; want a purge stopped after its first table", emptied, left, midway.Files)
	}
	r, err := p.Purge(t.Context(), w.a.id.UUID())
	if err != nil || !r.Check.Clean() {
		t.Fatalf("the purge run again: %+v %v", r.Check, err)
	}
	b, err := p.Verify(t.Context(), w.b.id.UUID())
	if err != nil {
		t.Fatal(err)
	}
	everyTableHasRows(t, "B", b)
}

// TestPurgeChild is the child process of TestPurgeCrashMidway: it purges the tenant it is given
// and kills itself once the first table's deletion has committed. Run on its own, it skips.
func TestPurgeChild(t *testing.T) {
	spec := os.Getenv(purgeChildEnv)
	if spec == "" {
		t.Skip("the child process of TestPurgeCrashMidway")
	}
	parts := strings.Split(spec, "|")
	m, err := postgres.OpenMaintenance(t.Context(), parts[0])
	if err != nil {
		t.Fatal(err)
	}
	files, err := blob.NewDisk(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	p := tenantdata.NewPurger(m, files)
	p.AfterTable = func(string) { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) }
	_, err = p.Purge(t.Context(), uuid.MustParse(parts[1]))
	t.Fatalf("the purge returned (%v) instead of being killed", err)
}

// TestExportTenant: the export of A (as A's owner, under row-level security) holds one JSON-lines
// file for every tenant table the catalog lists, with A's rows only, no secret column, A's files
// and a manifest that counts them; nothing of B is in the archive.
func TestExportTenant(t *testing.T) {
	t.Parallel()
	w := newPurgeWorld(t)
	var buf bytes.Buffer
	m, err := tenantdata.New(w.db, w.files).Export(w.a.ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(w.b.id.String())) {
		t.Error("the archive names B's tenant id")
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var tables []postgres.TenantTable
	if err := w.db.Read(w.a.ctx, func(q postgres.Querier) (err error) { tables, err = postgres.TenantTables(t.Context(), q); return err }); err != nil {
		t.Fatal(err)
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	for _, tb := range tables {
		f := entries["tables/"+tb.Name+".jsonl"]
		if f == nil {
			t.Errorf("no file for %s", tb.Name)
			continue
		}
		if rows := exportRows(t, f, w.a.id); rows == 0 && tb.Name != "idempotency_keys" {
			t.Errorf("%s: no row of A exported", tb.Name)
		}
	}
	for _, name := range []string{"files/uploads/report.pdf", "files/uploads/photo.jpg"} {
		if f := entries[name]; f == nil || readAll(t, f) != "file of "+w.a.id.String() {
			t.Errorf("%s missing or wrong", name)
		}
	}
	var manifest tenantdata.Manifest
	if err := json.Unmarshal([]byte(readAll(t, entries["manifest.json"])), &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.TenantID != w.a.id.String() || len(manifest.Tables) != len(tables) || manifest.Files != 2 || len(m.Tables) != len(tables) {
		t.Errorf("manifest: %+v", manifest)
	}
	omitted := map[string]bool{}
	for _, et := range manifest.Tables {
		for _, c := range et.Omitted {
			omitted[c] = true
		}
	}
	for _, secret := range []string{"token_hash", "secret_sealed", "secret_hash", "client_secret", "body"} {
		if !omitted[secret] {
			t.Errorf("%s is not among the omitted columns: %v", secret, omitted)
		}
	}
}

// exportRows checks every line of an exported table: a JSON object of A's with no secret column.
func exportRows(t *testing.T, f *zip.File, a tenancy.TenantID) int {
	t.Helper()
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	n := 0
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%s line %d: %v", f.Name, n+1, err)
		}
		if row["tenant_id"] != a.String() {
			t.Errorf("%s: a row of tenant %v", f.Name, row["tenant_id"])
		}
		for k := range row {
			if tenantdata.Secret(k) {
				t.Errorf("%s: secret column %s exported", f.Name, k)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func readAll(t *testing.T, f *zip.File) string {
	t.Helper()
	if f == nil {
		return ""
	}
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
