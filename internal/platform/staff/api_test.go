package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestStaffGrant(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	owner := s.register("eli")
	env := map[string]string{"DATABASE_URL": s.env.AppURL, "DATABASE_SYSTEM_URL": s.env.SystemURL}
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
	if r := s.do("GET", "/api/v1/tenant", token, nil); r.status != 200 || r.json(t)["id"] != owner.tenantID {
		t.Fatalf("read-only grant reads the tenant: %d %s", r.status, r.body)
	}
	if r := s.do("POST", "/api/v1/invitations", token, map[string]any{"email": "x@example.com", "role": "viewer"}); r.status != 403 {
		t.Errorf("read-only grant writes: %d, want 403", r.status)
	}
	if r := s.do("GET", "/api/v1/me", token, nil); r.status != 403 {
		t.Errorf("staff token on /me: %d, want 403", r.status)
	}
	if r := s.do("GET", "/api/v1/api-keys", token, nil); r.status != 403 {
		t.Errorf("staff lists API keys (owner only): %d, want 403", r.status)
	}
	log := string(s.do("GET", "/api/v1/audit-log?limit=100", owner.access, nil).body)
	for _, want := range []string{`"action":"staff.grant"`, `"action":"staff.request"`, `"outcome":"denied"`, `customer asked about occupancy`} {
		if !strings.Contains(log, want) {
			t.Errorf("the tenant's audit log lacks %s", want)
		}
	}
	other := s.register("fox")
	if r := s.do("GET", "/api/v1/audit-log", other.access, nil); strings.Contains(string(r.body), "staff.grant") {
		t.Error("another tenant sees the grant")
	}
	if err := s.superExec(`UPDATE staff_grants SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if r := s.do("GET", "/api/v1/tenant", token, nil); r.status != 401 {
		t.Errorf("expired grant: %d, want 401", r.status)
	}
}
