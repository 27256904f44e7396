package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestStaffDeletionCommands: `staff verify-deletion` counts a tenant's rows and files (exit
// status 1 while any are left), `staff purge-tenant` refuses an active tenant and purges a deleted
// one, after which its check is clean while the other tenant's is not. The purge itself is tested
// in internal/app (TestPurgeTenant, TestPurgeCrashMidway).
func TestStaffDeletionCommands(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	gone, kept := s.Register("del-gone"), s.Register("del-kept")
	env := map[string]string{"DATABASE_URL": s.Env.AppURL, "DATABASE_SYSTEM_URL": s.Env.SystemURL,
		"DATABASE_OWNER_URL": s.Env.OwnerURL, "TENANTRY_DATA_DIR": s.Config.DataDir}
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	files, err := blob.NewDisk(filepath.Join(s.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := blob.Key(uuid.MustParse(gone.TenantID), "uploads", "a.txt")
	if _, err := files.Put(t.Context(), key, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}

	if _, err := cli("staff", "purge-tenant", "--tenant", "not-an-id"); !errors.As(err, new(errUsage)) {
		t.Errorf("a tenant that is no id: %v", err)
	}
	out, err := cli("staff", "verify-deletion", "--tenant", gone.TenantID)
	if !errors.Is(err, errSilent) || !strings.Contains(out, "left        1  memberships") || !strings.Contains(out, "left        1  files") {
		t.Errorf("verify-deletion of an active tenant: %v\n%s", err, out)
	}
	if out, err := cli("staff", "purge-tenant", "--tenant", gone.TenantID); err == nil || !strings.Contains(err.Error(), "not deleted") {
		t.Errorf("purging an active tenant: %v\n%s", err, out)
	}
	slug := s.Must(200, "GET", "/api/v1/tenant", gone.Access, nil)["slug"].(string)
	s.Must(204, "DELETE", "/api/v1/tenant", gone.Access, map[string]any{"confirm_slug": slug})
	s.ForgetMutations() // the purge removes their audit rows, with the tenant's audit log
	out, err = cli("staff", "purge-tenant", "--tenant", gone.TenantID)
	if err != nil || !strings.Contains(out, "1 files deleted; 0 rows and 0 files left") {
		t.Fatalf("purge-tenant: %v\n%s", err, out)
	}
	if out, err := cli("staff", "verify-deletion", "--tenant", gone.TenantID); err != nil || !strings.Contains(out, "(deleted): 0 rows and 0 files left") {
		t.Errorf("verify-deletion after the purge: %v\n%s", err, out)
	}
	if out, err := cli("staff", "verify-deletion", "--tenant", kept.TenantID); !errors.Is(err, errSilent) || !strings.Contains(out, "left        1  memberships") {
		t.Errorf("verify-deletion of the other tenant: %v\n%s", err, out)
	}
}
