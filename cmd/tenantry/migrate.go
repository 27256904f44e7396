package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/postgres"
)

// migrateActions are the actions of `tenantry migrate`, each with its own help.
var migrateActions = []struct{ name, about string }{
	{"up", "Applies every pending migration as DATABASE_OWNER_URL and lists what it applied."},
	{"down", "Reverts the latest applied migration as DATABASE_OWNER_URL."},
	{"status", "Lists every migration with its state (applied or pending)."},
}

const migrateAbout = "Applies (up), reverts the latest (down) or lists (status) migrations as\n" +
	"DATABASE_OWNER_URL; without DATABASE_URL it uses the private database of `tenantry dev`.\n\n" +
	"Actions:\n" +
	"  up        apply every pending migration\n" +
	"  down      revert the latest migration\n" +
	"  status    list the migrations and their state"

func cmdMigrate(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || helpAsked(args[:1]) {
		fs := flagSet(env, "migrate up|down|status   (tenantry migrate <action> -h for its help)", migrateAbout, migrateEnv)
		if len(args) == 0 {
			fs.Usage()
			return errUsage{"migrate needs up, down or status"}
		}
		return parseFlags(env, fs, args[:1])
	}
	sub, about := args[0], ""
	for _, a := range migrateActions {
		if a.name == sub {
			about = a.about
		}
	}
	if about == "" {
		return errUsage{fmt.Sprintf("migrate: unknown action %q (want up, down or status)", sub)}
	}
	fs := flagSet(env, "migrate "+sub, about+"\nWithout DATABASE_URL it uses the private database of `tenantry dev`.", migrateEnv)
	if err := parseFlags(env, fs, args[1:]); err != nil || helpAsked(args[1:]) {
		return err
	}
	cfg, _, stop, err := prepare(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	if cfg.OwnerURL == "" {
		return errUsage{"DATABASE_OWNER_URL is required when DATABASE_URL is set"}
	}
	m, err := postgres.NewMigrator(ctx, cfg.OwnerURL, app.Migrations()...)
	if err != nil {
		return err
	}
	defer m.Close()
	var steps []postgres.MigrationStep
	switch sub {
	case "up":
		steps, err = m.Up(ctx)
	case "down":
		steps, err = m.Down(ctx)
	default:
		steps, err = m.Status(ctx)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	for _, s := range steps {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, s.State, s.Name)
	}
	if len(steps) == 0 && sub != "status" {
		fmt.Fprintln(tw, "nothing to do")
	}
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	return err
}
