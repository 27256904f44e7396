package flows

import (
	"context"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
)

// CreateShareWithTokens is CreateShare with the token source given, so a test can make tokens collide.
func (s *Service) CreateShareWithTokens(ctx context.Context, sessionID uuid.UUID, in ShareInput, token func() (auth.Opaque, error)) (NewShare, error) {
	return s.createShare(ctx, sessionID, in, token)
}

// ShareRoutes registers the share, settings and analytics operations (until Routes does).
func (s *Service) ShareRoutes(api huma.API, log *slog.Logger) { s.shareRoutes(api, log) }
