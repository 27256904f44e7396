package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/staff"
	"github.com/tenantry/tenantry/internal/postgres"
)

// cmdStaff runs the staff tools: create an account, grant access to a tenant, revoke a grant.
func cmdStaff(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "grant" && args[0] != "revoke") {
		w := env.stderr
		if len(args) > 0 && helpAsked(args[:1]) {
			w = env.stdout
		}
		fmt.Fprint(w, "Usage: tenantry staff create|grant|revoke [flags]   (tenantry staff <action> -h for its flags)\n\n"+
			"Platform staff reach a tenant only through a grant: one tenant, a reason and a ticket,\n"+
			"at most one hour, read-only unless --write. The grant and every request made with its\n"+
			"token are written to the tenant's audit log.\n")
		if w == env.stdout {
			return nil
		}
		return errUsage{"staff needs create, grant or revoke"}
	}
	fs := flagSet(env, "staff "+args[0]+" [flags]", "Manages platform staff access (uses DATABASE_URL and DATABASE_SYSTEM_URL, or the dev database).", staffEnv)
	email := fs.String("email", "", "staff member's e-mail address")
	name := fs.String("name", "", "create: the staff member's name")
	slug := fs.String("tenant", "", "grant, revoke: the tenant's slug")
	reason := fs.String("reason", "", "grant: why access is needed (at least 10 characters)")
	ticket := fs.String("ticket", "", "grant: the support ticket reference")
	ttl := fs.Duration("ttl", time.Hour, "grant: how long the grant lasts (at most 1h)")
	write := fs.Bool("write", false, "grant: allow changes (default: read-only)")
	grantID := fs.String("grant", "", "revoke: the grant id")
	if err := parseFlags(env, fs, args[1:]); err != nil || helpAsked(args) {
		return err
	}
	return withDB(ctx, env, func(db *postgres.DB) error {
		svc := staff.New(db, newLogger(env.stderr, 0))
		switch args[0] {
		case "create":
			return staffCreate(ctx, env, svc, *email, *name)
		case "grant":
			return staffGrant(ctx, env, svc, staff.GrantRequest{StaffEmail: *email, TenantSlug: *slug, Reason: *reason, Ticket: *ticket, TTL: *ttl, Write: *write})
		default:
			id, err := uuid.Parse(*grantID)
			if err != nil || *slug == "" {
				return errUsage{"revoke needs --tenant and --grant"}
			}
			return svc.RevokeGrant(ctx, *slug, id)
		}
	})
}

func staffCreate(ctx context.Context, env *environment, svc *staff.Service, email, name string) error {
	if email == "" || name == "" {
		return errUsage{"create needs --email and --name"}
	}
	id, err := svc.CreateAccount(ctx, email, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "staff account %s created for %s\n", id, email)
	return nil
}

func staffGrant(ctx context.Context, env *environment, svc *staff.Service, r staff.GrantRequest) error {
	if r.StaffEmail == "" || r.TenantSlug == "" {
		return errUsage{"grant needs --email, --tenant, --reason and --ticket"}
	}
	g, err := svc.IssueGrant(ctx, r)
	if err != nil {
		return err
	}
	mode := "read-only"
	if !g.ReadOnly {
		mode = "read-write"
	}
	fmt.Fprintf(env.stdout, "grant %s (%s) for tenant %s until %s\ntoken (shown once; send as Authorization: Bearer): %s\n",
		g.ID, mode, g.TenantID, g.ExpiresAt.UTC().Format(time.RFC3339), g.Token)
	return nil
}

// withDB opens the database from the configuration (or the dev database) for an admin tool.
func withDB(ctx context.Context, env *environment, fn func(*postgres.DB) error) error {
	cfg, _, stop, err := prepare(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	db, err := postgres.Open(ctx, postgres.Config{AppURL: cfg.DatabaseURL, SystemURL: cfg.SystemURL, MaxConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}
