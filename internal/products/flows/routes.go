package flows

import (
	"log/slog"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// Routes registers the flows product's operations, each with its access declaration. The tables
// live next to their resources: flowRoutes (flows, versions, categories, tags), sessionRoutes
// (sessions, exports, the step library) and shareRoutes (share links, settings, analytics).
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	for _, t := range [][2]string{
		{"Flows", "Troubleshooting flows: decision graphs with drafts, visibility (private, team, account) and publishing."},
		{"Flow versions", "Published versions of a flow, immutable once published; forks start from one."},
		{"Flow categories and tags", "The tenant's categories and tags that classify flows (global ones are read-only)."},
		{"Sessions", "Runs of a flow for a ticket: decisions, notes, variables and custom steps; owner-only."},
		{"Step library", "Reusable steps that sessions and flows can insert, with ratings."},
		{"Share links", "Links that open a session to the tenant or to anyone, revocable and optionally expiring."},
		{"Flows settings", "The tenant's flows settings, such as whether public share links are allowed."},
		{"Flows analytics", "How flows are used: sessions, outcomes and the paths taken."},
		{"PSA", "Connections to the tenant's PSA (ConnectWise, Autotask, HaloPSA), member mappings and the outbox of documentation pushes."},
	} {
		httpapi.DescribeTag(api, t[0], t[1])
	}
	s.flowRoutes(api, log)
	s.sessionRoutes(api, log)
	s.shareRoutes(api, log)
	s.uploadRoutes(api, log)
	s.csatRoutes(api, log)
	s.psaRoutes(api, log)
	s.scheduleRoutes(api, log)
	s.aiRoutes(api, log)
	s.proposalRoutes(api, log)
}
