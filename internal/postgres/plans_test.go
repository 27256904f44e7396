package postgres_test

import (
	"testing"

	"github.com/tenantry/tenantry/internal/postgres"
)

// TestPlanSettings: pooled connections run without JIT; CustomPlans forces custom plans for every
// statement of its Read or Tx and nowhere else, and the pooled connection forgets it.
func TestPlanSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	settings := func(q postgres.Querier) (mode, jit string) {
		t.Helper()
		if err := q.QueryRow(t.Context(), `SELECT current_setting('plan_cache_mode'), current_setting('jit')`).Scan(&mode, &jit); err != nil {
			t.Fatal(err)
		}
		return mode, jit
	}
	want := func(when, wantMode string, run func(fn func(postgres.Querier) error) error, statements int) {
		t.Helper()
		err := run(func(q postgres.Querier) error {
			for i := range statements {
				if mode, jit := settings(q); mode != wantMode || jit != "off" {
					t.Errorf("%s, statement %d: plan_cache_mode %s, jit %s; want %s, off", when, i+1, mode, jit, wantMode)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	custom := postgres.CustomPlans(w.a.ctx)
	want("Read", "auto", func(fn func(postgres.Querier) error) error { return w.db.Read(w.a.ctx, fn) }, 2)
	want("Read with CustomPlans", "force_custom_plan", func(fn func(postgres.Querier) error) error { return w.db.Read(custom, fn) }, 2)
	want("Tx with CustomPlans", "force_custom_plan", func(fn func(postgres.Querier) error) error { return w.db.Tx(custom, fn) }, 2)
	// One connection in the pool: the statements above ran on it, and none of their settings stays.
	want("Tx after", "auto", func(fn func(postgres.Querier) error) error { return w.db.Tx(w.a.ctx, fn) }, 2)
	conn, err := w.db.AppPool().Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if mode, jit := settings(conn); mode != "auto" || jit != "off" {
		t.Errorf("the pooled connection: plan_cache_mode %s, jit %s; want auto, off", mode, jit)
	}
}
