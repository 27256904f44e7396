package flows

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// aiRoutes registers the AI sessions (owner-only: operators and above, members only, never API
// keys; another member's session is a 404, the same-tenant colleague included) and the tenant's
// AI settings (admins).
func (s *Service) aiRoutes(api huma.API, log *slog.Logger) {
	httpapi.DescribeTag(api, "AI sessions", "Conversations with the AI assistant about a problem, with documentation drafts; owner-only.")
	rt := httpapi.NewRoutes(api, log)
	ai := rt.Tag("AI sessions")
	own := httpapi.Access{Class: httpapi.OwnerOnly, Role: tenancy.RoleOperator}
	const nf, cf, un = http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable
	const sid = "/api/v1/ai-sessions/{id}"

	httpapi.Post(ai.Location(sid), "/api/v1/ai-sessions", "create-ai-session", own,
		s.handleCreateAISession, "Start an AI session about a problem", 201)
	httpapi.Get(ai, "/api/v1/ai-sessions", "list-ai-sessions", own,
		s.handleListAISessions, "Your AI sessions, newest first")
	httpapi.Get(ai, "/api/v1/ai-sessions/search", "search-ai-sessions", own,
		s.handleSearchAISessions, "Search your own AI sessions")
	httpapi.Get(ai, sid, "get-ai-session", own,
		s.handleGetAISession, "Get an AI session with its messages", nf)
	httpapi.Patch(ai, sid, "update-ai-session", own,
		s.handleUpdateAISession, "Change an AI session's status or details", nf, cf)
	httpapi.Add(ai, aiMessageOperation(), own, s.handleAIMessage)
	httpapi.Get(ai, sid+"/documentation", "get-ai-session-documentation", own,
		s.handleAIDocumentation, "Draft the session's ticket documentation", nf, un)
	httpapi.Post(ai, sid+"/escalate", "escalate-ai-session", own,
		s.handleEscalateAISession, "Hand the session to another member", 200, nf, cf)
	httpapi.Get(ai, "/api/v1/ai-settings", "get-ai-settings", httpapi.Admin(""),
		s.handleGetAISettings, "The tenant's AI settings")
	httpapi.Patch(ai, "/api/v1/ai-settings", "update-ai-settings", httpapi.Admin(""),
		s.handleUpdateAISettings, "Change the tenant's AI settings")
}
