package pgtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgcluster"
	"github.com/tenantry/tenantry/internal/testkit/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{Prepare: prepare})
}

// prepare makes a template owned by a non-superuser role, with one table.
func prepare(ctx context.Context, c *pgcluster.Cluster) (string, error) {
	for _, step := range []struct{ db, sql string }{
		{"postgres", "CREATE ROLE notes_owner LOGIN"},
		{"postgres", "CREATE DATABASE notes_template OWNER notes_owner"},
		{"notes_template", "SET ROLE notes_owner; CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)"},
	} {
		conn, err := pgx.Connect(ctx, c.DSN("postgres", step.db))
		if err != nil {
			return "", err
		}
		_, err = conn.Exec(ctx, step.sql)
		conn.Close(ctx)
		if err != nil {
			return "", fmt.Errorf("%s: %w", step.sql, err)
		}
	}
	return "notes_template", nil
}

// TestIsolatedDatabases runs parallel tests that each write to their own clone of the template.
func TestIsolatedDatabases(t *testing.T) {
	for i := range 10 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			db := pgtest.NewDB(t)
			t.Logf("NewDB %s took %s", db, time.Since(begin))
			conn, err := pgx.Connect(t.Context(), pgtest.Cluster().DSN("notes_owner", db))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(t.Context(), "INSERT INTO notes VALUES ($1, $2)", i, db); err != nil {
				t.Fatal(err)
			}
			var n, id int
			var owner string
			err = conn.QueryRow(t.Context(), `SELECT count(*), min(id),
				(SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())
				FROM notes`).Scan(&n, &id, &owner)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 || id != i {
				t.Errorf("notes holds %d rows (min id %d), want only our row %d", n, id, i)
			}
			if owner != "notes_owner" {
				t.Errorf("database owner %q, want the template's owner notes_owner", owner)
			}
		})
	}
}
