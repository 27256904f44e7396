package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgcluster"
)

// Timeouts of the harness.
const (
	setupTimeout = 5 * time.Minute // cluster start (an apt install included) and Prepare
	dbTimeout    = time.Minute     // one CREATE or DROP DATABASE
)

// Options configures Main.
type Options struct {
	// Prepare runs once after the cluster starts, connected as the superuser; it creates roles
	// and a migrated template database and returns that template's name. It must close its
	// connections to the template. Nil means NewDB clones template1.
	Prepare func(ctx context.Context, c *pgcluster.Cluster) (template string, err error)
}

// The package's cluster and template, set by Main before any test runs.
var (
	cluster  *pgcluster.Cluster
	template string // the database NewDB clones
	owner    string // the template's owner, which owns each clone too
	seq      atomic.Int64
)

// Main starts an ephemeral cluster in a private temp directory, runs Prepare, runs the tests,
// stops the cluster, removes the directory and exits with the tests' exit code. Call it from
// TestMain.
func Main(m *testing.M, o Options) {
	os.Exit(run(m, o))
}

func run(m *testing.M, o Options) int {
	removeStaleDirs()
	dir, err := newRunDir()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := setUp(dir, o); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if cluster != nil {
			_ = cluster.Stop()
		}
		return 1
	}
	code := m.Run()
	if err := cluster.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
	}
	return code
}

// setUp starts the cluster in dir, runs Prepare and looks up the template's owner.
func setUp(dir string, o Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Ephemeral: true})
	if err != nil {
		return err
	}
	cluster, template = c, "template1"
	if o.Prepare != nil {
		if template, err = o.Prepare(ctx, c); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
	}
	err = withConn(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1",
			template).Scan(&owner)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("prepare: template database %q does not exist", template)
	}
	if err != nil {
		return fmt.Errorf("look up owner of %q: %w", template, err)
	}
	return nil
}

// Cluster returns the package's cluster, or nil outside Main.
func Cluster() *pgcluster.Cluster { return cluster }

// NewDB creates a database for the test, cloned from the template (STRATEGY FILE_COPY) and owned
// by the template's owner, drops it (WITH (FORCE)) when the test ends, and returns its name.
func NewDB(t testing.TB) string {
	t.Helper()
	if cluster == nil {
		t.Fatal("pgtest: NewDB needs pgtest.Main in the package's TestMain")
	}
	name := dbName(t.Name(), seq.Add(1))
	create := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s OWNER %s STRATEGY FILE_COPY",
		ident(name), ident(template), ident(owner))
	if err := execSQL(create); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := execSQL("DROP DATABASE IF EXISTS " + ident(name) + " WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return name
}

// execSQL runs one statement as the superuser on its own connection, so parallel tests don't
// wait for each other.
func execSQL(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	return withConn(ctx, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql)
		return err
	})
}

// withConn runs f on a new superuser connection to the postgres database.
func withConn(ctx context.Context, f func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, cluster.DSN("postgres", "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return f(conn)
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// dbName makes a database name from the test name, unique through n and within the 63-byte limit.
func dbName(test string, n int64) string {
	name := fmt.Sprintf("t%d_%s", n, unsafeChars.ReplaceAllString(strings.ToLower(test), "_"))
	return name[:min(len(name), 63)]
}

// ident quotes an SQL identifier.
func ident(s string) string { return pgx.Identifier{s}.Sanitize() }
