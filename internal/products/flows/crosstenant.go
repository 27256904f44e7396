package flows

import "github.com/tenantry/tenantry/internal/postgres"

// shareByToken finds a share link by the SHA-256 hash of its token, across tenants, while the
// share's tenant is active (a deleted or suspended tenant's links are not found). It reads only
// the share's tenant and id; the share service (OpenShare) then reads the share (revoked, expired,
// visibility) and the session snapshot inside that tenant's scope, and records the view there. The
// migration grants the system role exactly these columns, and the token hash is unique across
// tenants (flow_session_shares_token_key, declared in cmd/tenantry/verify.go).
var shareByToken = postgres.Register(postgres.CrossTenant{
	Name: "flows.share_by_token",
	Why:  "a share link is opened before any tenant is known: the token hash names the share's tenant, which then scopes every other read",
	SQL: `SELECT s.tenant_id, s.id FROM flow_session_shares s JOIN tenants t ON t.id = s.tenant_id
WHERE s.token_hash = $1 AND t.status = 'active'`,
	Reads: map[string][]string{"flow_session_shares": {"tenant_id", "id", "token_hash"}, "tenants": {"id", "status"}},
})
