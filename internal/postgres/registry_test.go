package postgres_test

import (
	"testing"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
)

var testQuery = postgres.Register(postgres.CrossTenant{
	Name: "test.tenant_count", Why: "test of the registry", SQL: `SELECT count(*) FROM tenants`,
	Reads: map[string][]string{"tenants": {"id"}},
})

// TestCrossTenantOnlyRegistered: the system role runs registered queries only; an unregistered one
// (or a registered name with other SQL) is refused before it reaches the database.
func TestCrossTenantOnlyRegistered(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	var n int
	if err := w.db.CrossTenantRow(t.Context(), testQuery, nil, &n); err != nil || n != 2 {
		t.Fatalf("registered query: %d, %v", n, err)
	}
	forged := testQuery
	forged.SQL = `SELECT count(*) FROM memberships`
	if err := w.db.CrossTenantRow(t.Context(), forged, nil, &n); !errs.Is(err, errs.Internal) || err == nil {
		t.Errorf("a registered name with other SQL ran: %v", err)
	}
	unknown := postgres.CrossTenant{Name: "test.unknown", Why: "x", SQL: `SELECT 1`, Reads: map[string][]string{"tenants": {"id"}}}
	if err := w.db.CrossTenantRow(t.Context(), unknown, nil, &n); err == nil {
		t.Error("an unregistered query ran")
	}
	for _, q := range postgres.Registered() {
		if q.Name == "" || q.Why == "" || len(q.Reads) == 0 {
			t.Errorf("incomplete registration %+v", q)
		}
		t.Logf("registered cross-tenant query %s: %s", q.Name, q.Why)
	}
}

// TestRegisterRefusesIncomplete: a declaration without a justification stops the program.
func TestRegisterRefusesIncomplete(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Register accepted a query without a justification")
		}
	}()
	postgres.Register(postgres.CrossTenant{Name: "test.incomplete", SQL: "SELECT 1", Reads: map[string][]string{"t": {"c"}}})
}
