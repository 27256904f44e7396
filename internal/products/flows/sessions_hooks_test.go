package flows

import (
	"context"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// SessionRoutes registers the sessions and step-library operations (until Routes does).
func (s *Service) SessionRoutes(api huma.API, log *slog.Logger) { s.sessionRoutes(api, log) }

// ExportDownload runs the export handler, so tests see the headers it sets.
func (s *Service) ExportDownload(ctx context.Context, id uuid.UUID, format string) (*ExportSessionOutput, error) {
	return s.handleExportSession(ctx, &ExportSessionInput{IDInput: httpapi.IDInput{ID: id}, Format: format})
}
