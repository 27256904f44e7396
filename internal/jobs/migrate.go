package jobs

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/tenantry/tenantry/internal/postgres"
)

// riverVersions is the number of River migration versions (River v0.51.1, line "main").
const riverVersions = 8

// firstRiverMigration is the goose version of River's migration 1; version v is first+v-1.
const firstRiverMigration = 20261123400001

//go:embed migrations/*.sql
var migrations embed.FS

// Source is the package's migration source: River's versions as Go migrations, then the grants
// (SQL). It satisfies postgres.GoMigrations.
type Source struct {
	fs.FS
}

// Migrations returns the job queue's migrations.
func Migrations() Source {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // fixed at build time
	}
	return Source{FS: sub}
}

// GoMigrations returns one goose migration per River version.
func (Source) GoMigrations() []*goose.Migration {
	out := make([]*goose.Migration, 0, riverVersions)
	for v := 1; v <= riverVersions; v++ {
		out = append(out, goose.NewGoMigration(int64(firstRiverMigration+v-1),
			&goose.GoFunc{RunTx: riverTo(v, rivermigrate.DirectionUp)},
			&goose.GoFunc{RunTx: riverTo(v-1, rivermigrate.DirectionDown)}))
	}
	return out
}

// riverTo migrates River's schema to version target inside goose's transaction.
func riverTo(target int, dir rivermigrate.Direction) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		m, err := rivermigrate.New(riverdatabasesql.New(nil), nil)
		if err != nil {
			return fmt.Errorf("jobs: river migrator: %w", err)
		}
		opts := &rivermigrate.MigrateOpts{TargetVersion: target}
		if dir == rivermigrate.DirectionDown && target == 0 {
			opts.TargetVersion = -1 // River's way of saying "all the way down"
		}
		// MigrateTx is deprecated because some River versions cannot run in one transaction; each of
		// ours is one goose step of one River version, which can (TestMigrationsGoDownAndUp).
		if _, err := m.MigrateTx(ctx, tx, dir, opts); err != nil { //nolint:staticcheck // see above
			return fmt.Errorf("jobs: river migration to %d: %w", target, err)
		}
		return nil
	}
}

// River's tables hold the queue's bookkeeping; a job names its tenant in its arguments and runs
// in that tenant's scope (TenantArgs), so the tables themselves belong to no tenant.
func init() {
	for _, t := range []string{"river_job", "river_leader", "river_migration", "river_notification", "river_queue"} {
		postgres.RegisterGlobal(postgres.GlobalTable{Name: t, App: []string{"SELECT", "INSERT", "UPDATE", "DELETE"},
			Why: "River's job queue, run by the application role; jobs carry their tenant in their arguments"})
	}
}
