package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/pgcluster"
	"github.com/tenantry/tenantry/internal/postgres"
)

// embeddedDB is the name of the database in the private cluster.
const embeddedDB = "tenantry"

func cmdDev(ctx context.Context, env *environment, args []string) error {
	fs := flagSet(env, "dev", "Runs the API with no configuration: without DATABASE_URL it starts (or reuses)\n"+
		"a private PostgreSQL cluster under TENANTRY_DATA_DIR, applies migrations and serves on TENANTRY_ADDR.", serverEnv())
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	cfg, log, stop, err := prepare(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	if err := cfg.devKeys(); err != nil {
		return err
	}
	if cfg.OwnerURL != "" {
		if err := app.MigrateUp(ctx, cfg.OwnerURL, log); err != nil {
			return err
		}
	}
	return serve(ctx, cfg, log, env.stdout)
}

// prepare loads the configuration and, without DATABASE_URL, starts (or attaches to) the private
// dev database. The returned stop ends it when this process started it.
func prepare(ctx context.Context, env *environment) (config, *slog.Logger, func(), error) {
	cfg, err := loadConfig(env.getenv)
	if err != nil {
		return config{}, nil, nil, errUsage{err.Error()}
	}
	if env.getenv("TENANTRY_DRAIN_DELAY") == "" {
		cfg.DrainDelay = 0 // one process on a developer's machine, no load balancer: Ctrl-C stops at once
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	stop, err := useEmbedded(ctx, &cfg, log)
	if err != nil {
		return config{}, nil, nil, err
	}
	return cfg, log, stop, nil
}

// useEmbedded points cfg at the private cluster when no DATABASE_URL is set, starting it (or
// attaching to one already running, e.g. under `make dev`). The returned function stops the
// cluster if this process started it.
func useEmbedded(ctx context.Context, cfg *config, log *slog.Logger) (stop func(), err error) {
	if cfg.DatabaseURL != "" {
		return func() {}, nil
	}
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "pg"))
	if err != nil {
		return nil, err
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	stop = func() {
		if err := c.Stop(); err != nil {
			log.Error("embedded database: stop", "err", err)
		}
	}
	if err := postgres.Bootstrap(ctx, c.DSN("postgres", "postgres"), embeddedDB); err != nil {
		stop()
		return nil, err
	}
	cfg.DatabaseURL = c.DSN(postgres.AppRole, embeddedDB)
	cfg.SystemURL = c.DSN(postgres.SystemRole, embeddedDB)
	cfg.OwnerURL = c.DSN(postgres.OwnerRole, embeddedDB)
	log.Info("embedded database ready", "dir", dir)
	return stop, nil
}
