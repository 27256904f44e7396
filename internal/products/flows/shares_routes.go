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
// and reads an optional access token for account-only links. Settings are for admins; analytics
// for every member. None of them admits API keys yet (the scope catalogue has no flows scopes).
func (s *Service) shareRoutes(api huma.API, log *slog.Logger) {
	const shares, settings, analytics = "Share links", "Flows settings", "Flows analytics"
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	const nf = http.StatusNotFound
	op := func(id, method, path, summary, tag string, status ...int) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
		if len(status) > 0 {
			o.DefaultStatus, o.Errors = status[0], status[1:]
		}
		return o
	}
	owner := func(r tenancy.Role) httpapi.Access { return httpapi.Access{Class: httpapi.OwnerOnly, Role: r} }
	member := func(r tenancy.Role) httpapi.Access { return httpapi.Access{Class: httpapi.Tenant, Role: r} }

	httpapi.Register(api, log, op("create-session-share", post, "/api/v1/sessions/{id}/shares", "Create a share link of one of your sessions (the token is shown once)", shares, 201, nf), owner(tenancy.RoleOperator), s.handleCreateShare)
	httpapi.Register(api, log, op("list-my-shares", get, "/api/v1/shares/mine", "Your share links that are not revoked, newest first", shares), owner(tenancy.RoleViewer), s.handleListMyShares)
	httpapi.Register(api, log, op("revoke-share", del, "/api/v1/shares/{id}", "Revoke one of your share links", shares, 204, nf), owner(tenancy.RoleViewer), s.handleRevokeShare)
	open := op("open-share", get, "/api/v1/share/{token}", "Open a share link: the session, read-only (404 unknown or revoked, 410 expired, 401/403 account-only)", shares,
		200, http.StatusUnauthorized, http.StatusForbidden, nf, http.StatusGone)
	open.Metadata = map[string]any{ratelimit.PolicyKey: ratelimit.ShareLink}
	httpapi.Register(api, log, open, httpapi.Access{Class: httpapi.Public, Viewer: true}, s.handleOpenShare)

	httpapi.Register(api, log, op("get-flows-settings", get, "/api/v1/flows/settings", "The tenant's flows settings", settings), member(tenancy.RoleAdmin), s.handleGetSettings)
	httpapi.Register(api, log, op("update-flows-settings", patch, "/api/v1/flows/settings", "Change the tenant's flows settings", settings), member(tenancy.RoleAdmin), s.handleUpdateSettings)

	httpapi.Register(api, log, op("flow-analytics", get, "/api/v1/analytics/flows/{flow_id}", "A flow's session figures over a time range (default: the last 30 days)", analytics, 200, nf), member(tenancy.RoleViewer), s.handleFlowAnalytics)
}
