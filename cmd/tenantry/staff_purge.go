package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/platform/tenantdata"
	"github.com/tenantry/tenantry/internal/postgres"
)

const (
	purgeAbout = "Purges a deleted tenant: deletes its rows from every tenant table the catalog lists (children before\n" +
		"parents, one transaction per table, bound to the tenant) and its files from the upload store, then counts\n" +
		"what is left (the check of verify-deletion) and records the security event tenant.purged with the counts.\n" +
		"Runs as the owner role (DATABASE_OWNER_URL). Refuses a tenant that is not deleted. Safe to run again: a\n" +
		"purge that stopped midway is completed by the next one."
	verifyAbout = "Counts a tenant's rows in every tenant table the catalog lists and its files in the upload store, one\n" +
		"line each; exits with status 1 unless nothing is left. Runs as the owner role (DATABASE_OWNER_URL)."
)

// deletionEnv are the variables the deletion tools read.
var deletionEnv = []string{"DATABASE_OWNER_URL", "TENANTRY_DATA_DIR", "TENANTRY_UPLOADS_DIR", "TENANTRY_LOG_LEVEL"}

// staffDeletion runs purge-tenant or verify-deletion.
func staffDeletion(ctx context.Context, env *environment, action, usage, about string, args []string) error {
	fs := flagSet(env, usage, about, deletionEnv)
	tenant := fs.String("tenant", "", "the tenant's id (required; the security event tenant.delete names it)")
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	id, err := uuid.Parse(*tenant)
	if err != nil {
		return errUsage{action + " needs --tenant with the tenant's id"}
	}
	return withPurger(ctx, env, func(p *tenantdata.Purger) error {
		status, err := p.Status(ctx, id)
		if err != nil {
			return err
		}
		if action == "verify-deletion" {
			c, err := p.Verify(ctx, id)
			if err != nil {
				return err
			}
			printCheck(env, c)
			fmt.Fprintf(env.stdout, "tenant %s (%s): %d rows and %d files left\n", id, status, c.Rows(), c.Files)
			if !c.Clean() {
				return errSilent
			}
			return nil
		}
		r, err := p.Purge(ctx, id)
		for _, t := range r.Deleted {
			if t.Rows > 0 {
				fmt.Fprintf(env.stdout, "deleted %8d  %s\n", t.Rows, t.Table)
			}
		}
		if err != nil && len(r.Check.Tables) == 0 {
			return err
		}
		printCheck(env, r.Check)
		fmt.Fprintf(env.stdout, "tenant %s purged: %d files deleted; %d rows and %d files left\n", id, r.FilesDeleted, r.Check.Rows(), r.Check.Files)
		return err
	})
}

// printCheck prints the rows left per table and the files left.
func printCheck(env *environment, c tenantdata.Check) {
	for _, t := range c.Tables {
		fmt.Fprintf(env.stdout, "left %8d  %s\n", t.Rows, t.Table)
	}
	fmt.Fprintf(env.stdout, "left %8d  files\n", c.Files)
}

// withPurger opens the owner role's connection and the upload store for the deletion tools.
func withPurger(ctx context.Context, env *environment, fn func(*tenantdata.Purger) error) error {
	cfg, _, stop, err := prepare(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	if cfg.OwnerURL == "" {
		return errors.New("DATABASE_OWNER_URL: required (the purge and its check run as the owner role)")
	}
	files, err := app.NewUploads(cfg.DataDir, cfg.UploadsDir)
	if err != nil {
		return err
	}
	m, err := postgres.OpenMaintenance(ctx, cfg.OwnerURL)
	if err != nil {
		return err
	}
	defer m.Close(ctx)
	return fn(tenantdata.NewPurger(m, files))
}
