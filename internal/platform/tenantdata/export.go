package tenantdata

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// exportBatch is how many rows of a table the export reads per query: rows are read in keyset
// batches (by primary key) and written as they come, so an export of any size holds one batch.
const exportBatch = 1000

// ExportFormat names the archive's layout, in its manifest.
const ExportFormat = "tenantry-export/1"

// Service is the tenant export (this file) for the tenant's owner.
type Service struct {
	db    *postgres.DB
	files blob.Store
	now   func() time.Time
}

// New returns the export service over the database and the file store the products write to.
func New(db *postgres.DB, files blob.Store) *Service {
	return &Service{db: db, files: files, now: time.Now}
}

// Manifest describes an export: what it holds, written last into the archive as manifest.json.
type Manifest struct {
	Format     string          `json:"format"`
	TenantID   string          `json:"tenant_id"`
	ExportedAt time.Time       `json:"exported_at"`
	Tables     []ExportedTable `json:"tables"`
	Files      int             `json:"files" doc:"Files under files/"`
	FileBytes  int64           `json:"file_bytes"`
}

// ExportedTable is one tenant table of an export: its file, its rows and the columns left out.
type ExportedTable struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Rows    int      `json:"rows"`
	Columns []string `json:"columns"`
	// Omitted are the columns left out: secrets and their hashes (Secret), and columns the
	// application role may not read.
	Omitted []string `json:"omitted"`
}

// Routes registers the export: owners only, no API key (the archive is the whole tenant).
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	httpapi.DescribeTag(api, "Tenant export", "The tenant's data as one archive, for its owner.")
	rt := httpapi.NewRoutes(api, log).Tag("Tenant export")
	httpapi.Add(rt, exportOperation(), httpapi.Owner(""), s.handleExport(log))
}

func exportOperation() huma.Operation {
	return huma.Operation{
		OperationID: "export-tenant", Method: http.MethodGet, Path: "/api/v1/tenant/export",
		Summary: "Export the tenant: every row of every tenant table and every uploaded file, as a zip archive",
		Description: "Streams a zip archive: `tables/<table>.jsonl` for every table of the database with a tenant_id column " +
			"(one JSON object a line, ordered by primary key), `files/<key>` for every file the tenant uploaded, and " +
			"`manifest.json` (written last) with the row counts and the columns left out. Secrets are not exported: columns " +
			"named password or secret, or ending in _hash, _enc, _sealed, _secret or _token. The rows are read as the " +
			"application role inside the tenant's scope, in batches, as the archive is written. Owners only; audited.",
		Responses: map[string]*huma.Response{"200": {Description: "The archive",
			Content: map[string]*huma.MediaType{"application/zip": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}},
	}
}

// handleExport reads the catalog and records the export in the tenant's audit log before answering,
// so a failure there is still a problem response; the archive is then written as it is read. A
// failure midway ends the body early (logged), and the archive then has no central directory,
// which every zip reader reports as damaged.
func (s *Service) handleExport(log *slog.Logger) func(context.Context, *struct{}) (*huma.StreamResponse, error) {
	return func(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
		tables, err := s.prepare(ctx)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			hc.SetHeader("Content-Type", "application/zip")
			hc.SetHeader("Content-Disposition", `attachment; filename="tenant-export-`+s.now().UTC().Format("20060102T150405Z")+`.zip"`)
			hc.SetHeader("Cache-Control", "no-store")
			hc.SetStatus(http.StatusOK)
			if _, err := s.write(ctx, hc.BodyWriter(), tables); err != nil {
				log.ErrorContext(ctx, "tenant export: cut short", "err", err)
			}
		}}, nil
	}
}

// Export writes the scope's tenant as a zip archive to w and returns its manifest.
func (s *Service) Export(ctx context.Context, w io.Writer) (Manifest, error) {
	tables, err := s.prepare(ctx)
	if err != nil {
		return Manifest{}, err
	}
	return s.write(ctx, w, tables)
}

// prepare reads the tenant tables from the catalog and records the export (tenant.export).
func (s *Service) prepare(ctx context.Context) ([]postgres.TenantTable, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	var tables []postgres.TenantTable
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		if tables, err = postgres.TenantTables(ctx, q); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "tenant.export", TargetType: "tenant", TargetID: sc.Tenant.String(),
			Details: map[string]any{"tables": len(tables)}})
	})
	if err != nil {
		return nil, fmt.Errorf("tenantdata: export: %w", err)
	}
	return tables, nil
}

// write writes the archive: the tables, then the files, then the manifest.
func (s *Service) write(ctx context.Context, w io.Writer, tables []postgres.TenantTable) (Manifest, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Manifest{}, err
	}
	m := Manifest{Format: ExportFormat, TenantID: sc.Tenant.String(), ExportedAt: s.now().UTC(), Tables: []ExportedTable{}}
	bw := bufio.NewWriterSize(w, 64<<10)
	zw := zip.NewWriter(bw)
	for _, t := range tables {
		et, err := s.writeTable(ctx, zw, sc.Tenant.UUID(), t)
		if err != nil {
			return m, err
		}
		m.Tables = append(m.Tables, et)
	}
	if err := s.writeFiles(ctx, zw, sc.Tenant.UUID(), &m); err != nil {
		return m, err
	}
	f, err := zw.Create("manifest.json")
	if err != nil {
		return m, err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return m, err
	}
	if err := zw.Close(); err != nil {
		return m, err
	}
	return m, bw.Flush()
}

// writeTable writes one table's rows of tenant, batch after batch, each batch one read in the
// tenant's scope (so row-level security applies to every row exported).
func (s *Service) writeTable(ctx context.Context, zw *zip.Writer, tenant uuid.UUID, t postgres.TenantTable) (ExportedTable, error) {
	et := ExportedTable{Name: t.Name, File: "tables/" + t.Name + ".jsonl", Columns: []string{}, Omitted: []string{}}
	for i, c := range t.Columns {
		if t.Readable[i] && !Secret(c) && !slices.Contains(Sealed[t.Name], c) {
			et.Columns = append(et.Columns, c)
		} else {
			et.Omitted = append(et.Omitted, c)
		}
	}
	f, err := zw.Create(et.File)
	if err != nil {
		return et, err
	}
	for _, k := range t.Key {
		if i := slices.Index(t.Columns, k); i < 0 || !t.Readable[i] {
			return et, nil // a key the role cannot read: nothing to order by, nothing readable
		}
	}
	var after []string
	for {
		var last []string
		n := 0
		err := s.db.Read(ctx, func(q postgres.Querier) error {
			var err error
			n, err = postgres.TenantRows(ctx, q, t, et.Columns, tenant, after, exportBatch, func(obj []byte, key []string) error {
				last = key
				_, err := f.Write(append(obj, '\n'))
				return err
			})
			return err
		})
		if err != nil {
			return et, fmt.Errorf("tenantdata: export %s: %w", t.Name, err)
		}
		et.Rows += n
		if len(t.Key) == 0 || n < exportBatch {
			return et, nil
		}
		after = last
	}
}

// writeFiles copies the tenant's files from the store under files/, named by their key below the
// tenant's prefix.
func (s *Service) writeFiles(ctx context.Context, zw *zip.Writer, tenant uuid.UUID, m *Manifest) error {
	if s.files == nil {
		return nil
	}
	prefix := blob.TenantPrefix(tenant)
	return s.files.Walk(ctx, prefix, func(key string, size int64) error {
		r, err := s.files.Open(ctx, key)
		if err != nil {
			return err
		}
		defer r.Close()
		f, err := zw.Create("files/" + strings.TrimPrefix(key, prefix))
		if err != nil {
			return err
		}
		n, err := io.Copy(f, r)
		if err != nil {
			return fmt.Errorf("tenantdata: export file: %w", err)
		}
		m.Files++
		m.FileBytes += n
		return nil
	})
}
