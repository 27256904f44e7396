package flows

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// shareRoutes registers the share links, the flows settings and the per-flow analytics. Share
// links are owner-only (no API keys): creating one needs operator or above, and the role is
// checked before the session is looked at, so a viewer's 403 says nothing about any session.
// Opening a link is public, rate-limited per client address (ratelimit.ShareLink, 30 a minute),
// and reads an optional access token for account-only links; its declaration publishes the token's
// rules (httpapi.ShareToken) and what the answer never shows of the session. FlowsSettings are for admins; analytics
// for every member. None of them admits API keys yet (the scope catalogue has no flows scopes).
func (s *Service) shareRoutes(api huma.API, log *slog.Logger) {
	rt := httpapi.NewRoutes(api, log)
	shares, settings, analytics := rt.Tag("Share links"), rt.Tag("Flows settings"), rt.Tag("Flows analytics")
	owner := func(r tenancy.Role) httpapi.Access { return httpapi.Access{Class: httpapi.OwnerOnly, Role: r} }
	const nf = http.StatusNotFound

	httpapi.Post(shares.Location("/api/v1/share/{token}"), "/api/v1/sessions/{id}/shares", "create-session-share", owner(tenancy.RoleOperator),
		s.handleCreateShare, "Create a share link of one of your sessions (the token is shown once)", 201, nf)
	httpapi.Get(shares, "/api/v1/shares/mine", "list-my-shares", owner(tenancy.RoleViewer),
		s.handleListMyShares, "Your share links that are not revoked, newest first")
	httpapi.Delete(shares, "/api/v1/shares/{id}", "revoke-share", owner(tenancy.RoleViewer),
		s.handleRevokeShare, "Revoke one of your share links", 204, nf)
	open := huma.Operation{OperationID: "open-share", Method: http.MethodGet, Path: "/api/v1/share/{token}",
		Summary:       "Open a share link: the session, read-only (404 unknown or revoked, 410 expired, 401/403 account-only)",
		DefaultStatus: 200, Errors: []int{http.StatusUnauthorized, http.StatusForbidden, nf, http.StatusGone},
		Metadata: map[string]any{ratelimit.PolicyKey: ratelimit.ShareLink}}
	token := httpapi.Access{Class: httpapi.Public, Viewer: true, Credential: httpapi.ShareToken,
		Withholds: "scratchpad,variables,owner_id"}
	httpapi.Add(shares, open, token, s.handleOpenShare)

	httpapi.Get(settings, "/api/v1/flows/settings", "get-flows-settings", httpapi.Admin(""),
		s.handleGetSettings, "The tenant's flows settings")
	httpapi.Patch(settings, "/api/v1/flows/settings", "update-flows-settings", httpapi.Admin(""),
		s.handleUpdateSettings, "Change the tenant's flows settings")

	httpapi.Get(analytics, "/api/v1/analytics/flows/{flow_id}", "flow-analytics", httpapi.Viewer("").Needs(httpapi.Visible),
		s.handleFlowAnalytics, "A flow's session figures over a time range (default: the last 30 days)", nf)
}
