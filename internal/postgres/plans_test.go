package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/postgres"
)

// TestTransactionSettings: pooled connections run without JIT; CustomPlans and AsyncCommit change
// the settings of every statement of their Read or Tx and nowhere else, and the pooled connection
// forgets them.
func TestTransactionSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	// The test cluster commits asynchronously everywhere (pgcluster's Ephemeral); this pool's
	// sessions commit synchronously, as a production server's do, so AsyncCommit shows.
	db := openWith(t, w, "synchronous_commit", "on")
	type settings struct{ plans, commit, jit string }
	read := func(q postgres.Querier) (s settings) {
		t.Helper()
		err := q.QueryRow(t.Context(), `SELECT current_setting('plan_cache_mode'), current_setting('synchronous_commit'), current_setting('jit')`).
			Scan(&s.plans, &s.commit, &s.jit)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	plain := settings{"auto", "on", "off"}
	both := postgres.AsyncCommit(postgres.CustomPlans(w.a.ctx))
	for _, c := range []struct {
		name string
		ctx  context.Context
		tx   bool
		want settings
	}{
		{"Read", w.a.ctx, false, plain},
		{"Read with CustomPlans", postgres.CustomPlans(w.a.ctx), false, settings{"force_custom_plan", "on", "off"}},
		{"Tx with CustomPlans", postgres.CustomPlans(w.a.ctx), true, settings{"force_custom_plan", "on", "off"}},
		{"Tx with AsyncCommit", postgres.AsyncCommit(w.a.ctx), true, settings{"auto", "off", "off"}},
		{"Tx with both", both, true, settings{"force_custom_plan", "off", "off"}},
		// One connection in the pool: the transactions above ran on it, and none of their settings stays.
		{"Tx after", w.a.ctx, true, plain},
	} {
		run := db.Read
		if c.tx {
			run = db.Tx
		}
		err := run(c.ctx, func(q postgres.Querier) error {
			for i := range 2 {
				if got := read(q); got != c.want {
					t.Errorf("%s, statement %d: %+v, want %+v", c.name, i+1, got, c.want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	conn, err := db.AppPool().Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if got := read(conn); got != plain {
		t.Errorf("the pooled connection: %+v, want %+v", got, plain)
	}
}

// TestJITByURL: a jit parameter in the connection string wins over the pools' jit=off.
func TestJITByURL(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	db := openWith(t, w, "jit", "on")
	var jit string
	if err := db.Read(w.a.ctx, func(q postgres.Querier) error {
		return q.QueryRow(t.Context(), `SELECT current_setting('jit')`).Scan(&jit)
	}); err != nil || jit != "on" {
		t.Errorf("jit %q (%v), want on", jit, err)
	}
}

// openWith opens a one-connection pool on w's database with a run-time parameter in its URL.
func openWith(t *testing.T, w *world, name, value string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), postgres.Config{AppURL: withParam(w.env.AppURL, name, value), MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// withParam adds a run-time parameter to a connection string, URL or keyword/value.
func withParam(conn, name, value string) string {
	switch {
	case !strings.Contains(conn, "://"):
		return conn + " " + name + "=" + value
	case strings.Contains(conn, "?"):
		return conn + "&" + name + "=" + value
	default:
		return conn + "?" + name + "=" + value
	}
}
