package flows

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// SessionExport is a session's documentation in one format, ready to be served as a download.
type SessionExport struct {
	ContentType string // with its charset
	Filename    string // ASCII letters, digits, '-', '_' and '.', safe in a Content-Disposition header
	Body        []byte
}

// exportFormats maps a format name to its content type, file extension and renderer.
var exportFormats = map[string]struct {
	contentType, ext string
	render           func(graph.Record) []byte
}{
	"md":   {"text/markdown; charset=utf-8", "md", graph.Markdown},
	"txt":  {"text/plain; charset=utf-8", "txt", graph.Text},
	"html": {"text/html; charset=utf-8", "html", graph.HTML},
}

// ExportSession renders a session of the caller as Markdown ("md"), plain text ("txt") or HTML
// ("html"): the snapshot's titles, the path, decisions with notes, custom steps, variables, the
// scratchpad, ticket and client, times and duration. Every user string is escaped for the format
// (graph.Markdown, graph.HTML); the text export is verbatim and must be served as text/plain.
func (s *Service) ExportSession(ctx context.Context, id uuid.UUID, format string) (SessionExport, error) {
	f, ok := exportFormats[format]
	if !ok {
		return SessionExport{}, errs.Invalidf("query.format", "must be md, txt or html")
	}
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return SessionExport{}, fmt.Errorf("flows: export session: %w", err)
	}
	var row store.FlowSession
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		row, err = store.New(q).GetSession(ctx, store.GetSessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		return err
	})
	if err != nil {
		return SessionExport{}, fmt.Errorf("flows: export session: %w", notFound(err))
	}
	st, err := decodeSession(row)
	if err != nil {
		return SessionExport{}, err
	}
	return SessionExport{ContentType: f.contentType, Filename: exportFilename(st, f.ext), Body: f.render(st.record())}, nil
}

// record returns the session's documentation record.
func (st *sessionState) record() graph.Record {
	r := graph.NewRecord(st.graph, st.run)
	r.Title, r.TicketNumber, r.ClientName, r.Scratchpad = st.meta.Title, st.row.TicketNumber, st.row.ClientName, st.row.Scratchpad
	if st.row.FlowVersion != nil {
		r.FlowVersion = int(*st.row.FlowVersion)
	}
	r.StartedAt, r.CompletedAt = utc(st.row.StartedAt), utc(st.row.CompletedAt)
	for _, c := range st.custom {
		r.CustomSteps = append(r.CustomSteps, graph.CustomStep{ID: c.ID, AfterNodeID: c.AfterNodeID, Title: c.Title,
			Content: c.Content, Result: c.Result, Source: graph.CustomStepSource(c.Source)})
	}
	return r
}

// exportFilename names the download: "session-<ticket>-<date>.<ext>", or the session id when there
// is no ticket number. Characters outside [A-Za-z0-9._-] become '-', so no user string can break
// out of the header's quoted filename.
func exportFilename(st *sessionState, ext string) string {
	name := st.row.ID.String()
	if st.row.TicketNumber != "" {
		name = st.row.TicketNumber
	}
	safe := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, name)
	safe = strings.Trim(safe, ".-")
	if len(safe) > 80 {
		safe = safe[:80]
	}
	if safe == "" {
		safe = st.row.ID.String()
	}
	return "session-" + safe + "-" + st.row.CreatedAt.UTC().Format("2006-01-02") + "." + ext
}

// utc returns a time in UTC, so that exports show the same zone whatever the server's.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
