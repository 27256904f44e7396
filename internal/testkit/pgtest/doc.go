// Package pgtest is the test database harness: one ephemeral PostgreSQL cluster per test package
// and one database per test, cloned from a migrated template, so tests can run with t.Parallel().
//
// A package opts in from TestMain:
//
//	func TestMain(m *testing.M) {
//		pgtest.Main(m, pgtest.Options{Prepare: prepare})
//	}
//
// and each test calls NewDB for a database of its own:
//
//	db := pgtest.NewDB(t)
//	conn, err := pgx.Connect(ctx, pgtest.Cluster().DSN("postgres", db))
//
// The cluster dies with the test binary, even on a panic or a -timeout (the server gets a
// parent-death signal); the temp directories such runs leave behind are removed by the next Main.
package pgtest
