package flows

import (
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
)

// Routes registers the flows product's operations, each with its access declaration. The tables
// live next to their resources: flowRoutes (flows, versions, categories, tags), sessionRoutes
// (sessions, exports, the step library) and shareRoutes (share links, settings, analytics).
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	s.flowRoutes(api, log)
	s.sessionRoutes(api, log)
	s.shareRoutes(api, log)
}
