package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
)

// exportBatch is how many events the export reads per query: rows are read in keyset batches and
// written as they come, so an export of any size holds one batch in memory.
const exportBatch = 500

// The export's media types.
const (
	csvType   = "text/csv; charset=utf-8"
	jsonlType = "application/x-ndjson"
)

// ExportAuditInput selects the events to export and the format.
type ExportAuditInput struct {
	AuditFilter
	Format string `query:"format" enum:"csv,jsonl" default:"jsonl" doc:"csv (a header row, then one event a row) or jsonl (one JSON event a line)"`
}

// exportColumns are the CSV columns, in order; details is the event's details as JSON.
var exportColumns = []string{"id", "occurred_at", "principal_kind", "actor_id", "action", "target_type", "target_id",
	"outcome", "request_id", "ip", "details"}

// exportOperation declares the export: its body is CSV or JSON lines, which Huma cannot infer from
// a streamed response.
func exportOperation() huma.Operation {
	text := func(d string) *huma.MediaType {
		return &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString, Description: d}}
	}
	return huma.Operation{
		OperationID: "export-audit-events", Method: http.MethodGet, Path: "/api/v1/audit-log/export",
		Summary: "Export the tenant's audit events (CSV or JSON lines), newest first",
		Description: "Streams every audit event that matches the filters of the audit-log list, newest first, without paging: " +
			"`format=jsonl` (default) writes one event a line, as the list shows it; `format=csv` writes a header row, then one event " +
			"a row (columns " + strings.Join(exportColumns, ", ") + "; details as JSON). The response is an attachment " +
			"(Content-Disposition) read in batches from the database as it is written.",
		Responses: map[string]*huma.Response{"200": {Description: "The events",
			Content: map[string]*huma.MediaType{
				jsonlType:  text("One JSON event (schema EventView) a line"),
				"text/csv": text("A header row, then one event a row"),
			}}},
	}
}

// handleExport reads the first batch before answering, so that a failure is still a problem
// response; later batches are read as the body is written. A failure after the first batch ends
// the body early (logged): the status has been sent.
func (l *Log) handleExport(log *slog.Logger) func(context.Context, *ExportAuditInput) (*huma.StreamResponse, error) {
	return func(ctx context.Context, in *ExportAuditInput) (*huma.StreamResponse, error) {
		first, err := l.list(ctx, in.AuditFilter, exportBatch, nil)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			ctype, ext := jsonlType, "jsonl"
			if in.Format == "csv" {
				ctype, ext = csvType, "csv"
			}
			hc.SetHeader("Content-Type", ctype)
			hc.SetHeader("Content-Disposition", `attachment; filename="audit-log-`+time.Now().UTC().Format("20060102T150405Z")+`.`+ext+`"`)
			hc.SetHeader("Cache-Control", "no-store")
			hc.SetStatus(http.StatusOK)
			bw := bufio.NewWriterSize(hc.BodyWriter(), 32<<10)
			enc := newEncoder(in.Format, bw)
			for batch := first; ; {
				n := min(len(batch), exportBatch)
				for _, e := range batch[:n] {
					if err := enc(e); err != nil {
						return // the client went away
					}
				}
				if bw.Flush() != nil || len(batch) <= exportBatch {
					return
				}
				last := batch[n-1]
				if batch, err = l.list(ctx, in.AuditFilter, exportBatch, &eventKey{At: last.OccurredAt, ID: uuid.MustParse(last.ID)}); err != nil {
					log.ErrorContext(ctx, "audit export: cut short", "err", err)
					return
				}
			}
		}}, nil
	}
}

// newEncoder writes the CSV header and returns the writer of one event in the format.
func newEncoder(format string, w io.Writer) func(EventView) error {
	if format != "csv" {
		enc := json.NewEncoder(w)
		return func(e EventView) error { return enc.Encode(e) }
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(exportColumns) // an error is sticky: the first event reports it
	return func(e EventView) error {
		row := []string{e.ID, e.OccurredAt.UTC().Format(time.RFC3339Nano), e.PrincipalKind, e.ActorID, e.Action, e.TargetType,
			e.TargetID, e.Outcome, e.RequestID, e.IP, string(e.Details)}
		for i, c := range row {
			row[i] = cell(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
}

// cell defuses a value a spreadsheet would read as a formula (CSV injection): it gets a leading
// apostrophe.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
