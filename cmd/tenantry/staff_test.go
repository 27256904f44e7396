package main

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestStaffCommand: `tenantry staff create` and `staff grant` reach the staff service, refuse
// what it refuses and print a token that reads the tenant. What a grant may do is tested in
// internal/platform/staff.
func TestStaffCommand(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	owner := s.Register("eli")
	env := map[string]string{"DATABASE_URL": s.Env.AppURL, "DATABASE_SYSTEM_URL": s.Env.SystemURL}
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := cli("staff", "create", "--email", "sam@platform.example", "--name", "Sam"); err != nil {
		t.Fatalf("staff create: %v\n%s", err, out)
	}
	if _, err := cli("staff", "grant", "--email", "sam@platform.example", "--tenant", "t-eli", "--reason", "too short", "--ticket", "T-9"); err == nil {
		t.Error("a grant without a real reason was issued")
	}
	if _, err := cli("staff", "grant", "--email", "sam@platform.example", "--tenant", "t-eli", "--reason", "customer asked about occupancy", "--ticket", "T-9", "--ttl", "2h"); err == nil {
		t.Error("a grant longer than an hour was issued")
	}
	out, err := cli("staff", "grant", "--email", "sam@platform.example", "--tenant", "t-eli", "--reason", "customer asked about occupancy", "--ticket", "T-9")
	if err != nil {
		t.Fatalf("staff grant: %v\n%s", err, out)
	}
	token := regexp.MustCompile(`tnr_stf_[A-Za-z0-9]+`).FindString(out)
	if r := s.Do("GET", "/api/v1/tenant", token, nil); r.Status != 200 || r.JSON(t)["id"] != owner.TenantID {
		t.Fatalf("read-only grant reads the tenant: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/invitations", token, map[string]any{"email": "x@example.com", "role": "viewer"}); r.Status != 403 {
		t.Errorf("the grant is read-only by default, yet it writes: %d, want 403", r.Status)
	}
}
