package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/pgcluster"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking"
)

// The private cluster's database and the bench-only role that bypasses row-level security. The
// role exists only in the throwaway cluster of a run; it reads the tables of the list query and
// nothing else.
const (
	dbName     = "tenantry"
	bypassRole = "tenantry_bench_bypass"
)

// database is the private cluster of one run.
type database struct {
	dir     string // the run's temporary directory (the cluster lives in dir/pg)
	cluster *pgcluster.Cluster
	admin   *pgx.Conn // the superuser, on dbName
	version string    // the server's version
}

// url returns the connection string of role on the bench database.
func (d *database) url(role string) string { return d.cluster.DSN(role, dbName) }

// startDatabase starts an ephemeral cluster tuned like a real server (cfg.Settings; with
// cfg.Durable every commit is flushed, as in production), bootstraps the roles, migrates as the
// owner role and creates the bench-only BYPASSRLS role.
func startDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*database, error) {
	dir, err := os.MkdirTemp("", "tenantry-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	// The server may run as another OS user (postgres, when we are root): let it reach dir/pg.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, errors.Join(fmt.Errorf("bench: %w", err), os.RemoveAll(dir))
	}
	settings := maps.Clone(cfg.Settings)
	if settings == nil {
		settings = map[string]string{}
	}
	if cfg.Durable {
		settings["fsync"], settings["synchronous_commit"], settings["full_page_writes"] = "on", "on", "on"
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg"), Ephemeral: true, Settings: settings, Logger: log})
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	d := &database{dir: dir, cluster: c}
	if err := d.prepare(ctx, log); err != nil {
		return nil, errors.Join(err, d.stop(ctx))
	}
	return d, nil
}

// prepare bootstraps, migrates and connects the superuser.
func (d *database) prepare(ctx context.Context, log *slog.Logger) error {
	if err := postgres.Bootstrap(ctx, d.cluster.DSN("postgres", "postgres"), dbName); err != nil {
		return err
	}
	m, err := postgres.NewMigrator(ctx, d.url(postgres.OwnerRole), app.Migrations()...)
	if err != nil {
		return err
	}
	steps, err := m.Up(ctx)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bench: migrate: %w", err)
	}
	log.Info("bench: migrated", "steps", len(steps))
	if d.admin, err = pgx.Connect(ctx, d.url("postgres")); err != nil {
		return fmt.Errorf("bench: connect as superuser: %w", err)
	}
	if err := d.admin.QueryRow(ctx, `SHOW server_version`).Scan(&d.version); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return d.createBypassRole(ctx)
}

// createBypassRole creates the role of the no-RLS baseline: BYPASSRLS, SELECT on what the list
// query reads. Its queries keep their explicit tenant_id predicate, which then alone selects the
// tenant.
func (d *database) createBypassRole(ctx context.Context) error {
	_, err := d.admin.Exec(ctx, `CREATE ROLE tenantry_bench_bypass LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS`)
	if err == nil {
		_, err = d.admin.Exec(ctx, `GRANT USAGE ON SCHEMA public TO tenantry_bench_bypass`)
	}
	if err == nil {
		_, err = d.admin.Exec(ctx, `GRANT SELECT ON spaces, sites, tenants, space_overrides, reservations, v_spaces TO tenantry_bench_bypass`)
	}
	if err != nil {
		return fmt.Errorf("bench: bypass role: %w", err)
	}
	return nil
}

// vacuum runs VACUUM (ANALYZE) on the database and a checkpoint, so every run starts from fresh
// statistics, a set visibility map and no pending checkpoint.
func (d *database) vacuum(ctx context.Context) error {
	_, err := d.admin.Exec(ctx, `VACUUM (ANALYZE)`)
	return d.checkpoint(ctx, err)
}

// vacuumFlows does the same for the tables the flows data set fills, after it is loaded.
func (d *database) vacuumFlows(ctx context.Context) error {
	_, err := d.admin.Exec(ctx, `VACUUM (ANALYZE) memberships, teams, team_members, flows, flow_versions, flow_global_tag_links, flow_sessions`)
	return d.checkpoint(ctx, err)
}

// checkpoint runs a CHECKPOINT after a VACUUM that returned err (none: err is returned).
func (d *database) checkpoint(ctx context.Context, err error) error {
	if err == nil {
		_, err = d.admin.Exec(ctx, `CHECKPOINT`)
	}
	if err != nil {
		return fmt.Errorf("bench: vacuum: %w", err)
	}
	return nil
}

// waitJobsIdle waits until the server's start-up jobs are done: River runs the periodic sweeps at
// once when a server becomes its leader (retention: one job per tenant), and no scenario may
// measure them. Done means the retention sweep has completed and no job is available or running;
// after a minute it gives up waiting (the figures then say so: start-up jobs ran for over a minute).
func (d *database) waitJobsIdle(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < time.Minute {
		var swept, busy int64
		err := d.admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = $1 AND state = 'completed'),
       count(*) FILTER (WHERE state IN ('available', 'running', 'retryable'))
FROM river_job`, parking.RetentionSweepArgs{}.Kind()).Scan(&swept, &busy)
		if err != nil {
			return 0, fmt.Errorf("bench: river jobs: %w", err)
		}
		if swept > 0 && busy == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return time.Since(start), nil
}

// size returns the database's size in bytes.
func (d *database) size(ctx context.Context) (int64, error) {
	var n int64
	err := d.admin.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
	return n, err
}

// postmasterPID returns the server's process id, from postmaster.pid.
func (d *database) postmasterPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(d.dir, "pg", "data", "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// stop closes the superuser connection, stops the cluster and removes the run's directory.
func (d *database) stop(ctx context.Context) error {
	var errList []error
	if d.admin != nil {
		errList = append(errList, d.admin.Close(context.WithoutCancel(ctx)))
	}
	errList = append(errList, d.cluster.Stop(), os.RemoveAll(d.dir))
	return errors.Join(errList...)
}
