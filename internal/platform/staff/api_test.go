package staff_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/staff"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestStaffGrant: a grant needs a real reason and lasts at most an hour; its token reads the one
// tenant, read-only, and nothing owner-only; the grant and the refused write are in the tenant's
// audit log, which no other tenant sees; an expired grant is refused. (cmd/tenantry tests the
// staff command that issues grants.)
func TestStaffGrant(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("eli")
	svc := staff.New(s.DB, slog.New(slog.DiscardHandler))
	if _, err := svc.CreateAccount(t.Context(), "sam@platform.example", "Sam"); err != nil {
		t.Fatalf("staff create: %v", err)
	}
	grant := func(reason string, ttl time.Duration) (staff.Grant, error) {
		return svc.IssueGrant(t.Context(), staff.GrantRequest{StaffEmail: "sam@platform.example", TenantSlug: "t-eli", Reason: reason, Ticket: "T-9", TTL: ttl})
	}
	if _, err := grant("too short", time.Hour); err == nil {
		t.Error("a grant without a real reason was issued")
	}
	if _, err := grant("customer asked about occupancy", 2*time.Hour); err == nil {
		t.Error("a grant longer than an hour was issued")
	}
	g, err := grant("customer asked about occupancy", time.Hour)
	if err != nil {
		t.Fatalf("staff grant: %v", err)
	}
	token := g.Token
	if !g.ReadOnly || !strings.HasPrefix(token, "tnr_stf_") {
		t.Fatalf("grant: read-only %v, token %.8s...", g.ReadOnly, token)
	}
	if r := s.Do("GET", "/api/v1/tenant", token, nil); r.Status != 200 || r.JSON(t)["id"] != owner.TenantID {
		t.Fatalf("read-only grant reads the tenant: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/invitations", token, map[string]any{"email": "x@example.com", "role": "viewer"}); r.Status != 403 {
		t.Errorf("read-only grant writes: %d, want 403", r.Status)
	}
	if r := s.Do("GET", "/api/v1/me", token, nil); r.Status != 403 {
		t.Errorf("staff token on /me: %d, want 403", r.Status)
	}
	if r := s.Do("GET", "/api/v1/api-keys", token, nil); r.Status != 403 {
		t.Errorf("staff lists API keys (owner only): %d, want 403", r.Status)
	}
	log := string(s.Do("GET", "/api/v1/audit-log?limit=100", owner.Access, nil).Body)
	for _, want := range []string{`"action":"staff.grant"`, `"action":"staff.request"`, `"outcome":"denied"`, `customer asked about occupancy`} {
		if !strings.Contains(log, want) {
			t.Errorf("the tenant's audit log lacks %s", want)
		}
	}
	other := s.Register("fox")
	if r := s.Do("GET", "/api/v1/audit-log", other.Access, nil); strings.Contains(string(r.Body), "staff.grant") {
		t.Error("another tenant sees the grant")
	}
	s.SuperExec(`UPDATE staff_grants SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'`)
	if r := s.Do("GET", "/api/v1/tenant", token, nil); r.Status != 401 {
		t.Errorf("expired grant: %d, want 401", r.Status)
	}
}

// TestStaffGrantDeletedTenant: once its tenant is deleted, a grant's token is refused (401) and no
// new grant for the tenant's slug is issued.
func TestStaffGrantDeletedTenant(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("gus")
	svc := staff.New(s.DB, slog.New(slog.DiscardHandler))
	if _, err := svc.CreateAccount(t.Context(), "pat@platform.example", "Pat"); err != nil {
		t.Fatalf("staff create: %v", err)
	}
	grant := func() (staff.Grant, error) {
		return svc.IssueGrant(t.Context(), staff.GrantRequest{StaffEmail: "pat@platform.example", TenantSlug: "t-gus",
			Reason: "customer asked about their data", Ticket: "T-10", TTL: time.Hour})
	}
	g, err := grant()
	if err != nil {
		t.Fatalf("staff grant: %v", err)
	}
	s.Must(200, "GET", "/api/v1/tenant", g.Token, nil)
	s.Must(204, "DELETE", "/api/v1/tenant", owner.Access, map[string]any{"confirm_slug": "t-gus"})
	if r := s.Do("GET", "/api/v1/tenant", g.Token, nil); r.Status != 401 {
		t.Errorf("a grant of a deleted tenant: %d, want 401", r.Status)
	}
	if _, err := grant(); err == nil {
		t.Error("a grant for a deleted tenant was issued")
	}
}
