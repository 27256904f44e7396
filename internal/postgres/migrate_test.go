package postgres_test

import (
	"testing"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// TestMigrationsGoDownAndUp reverts every migration one by one and applies them again.
func TestMigrationsGoDownAndUp(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	m, err := postgres.NewMigrator(t.Context(), env.OwnerURL, app.Migrations()...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	status, err := m.Status(t.Context())
	if err != nil || len(status) == 0 {
		t.Fatalf("status: %v (%d migrations)", err, len(status))
	}
	for range status {
		if _, err := m.Down(t.Context()); err != nil {
			t.Fatalf("down: %v", err)
		}
	}
	steps, err := m.Up(t.Context())
	if err != nil || len(steps) != len(status) {
		t.Fatalf("up again: %d steps, %v", len(steps), err)
	}
}
