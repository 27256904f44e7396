package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/staff"
	"github.com/tenantry/tenantry/internal/postgres"
)

// staffActions are the actions of `tenantry staff`, each with its own usage line, help and flags.
var staffActions = []struct {
	name, usage, about string
}{
	{"create", "staff create --email EMAIL --name NAME", "Creates a platform staff account. A staff member reaches a tenant only through a grant."},
	{"grant", "staff grant --email EMAIL --tenant SLUG --reason TEXT --ticket REF [--ttl 1h] [--write]",
		"Grants a staff member time-limited access to one tenant and prints the grant's token once.\n" +
			"The grant and every request made with its token are written to the tenant's audit log."},
	{"revoke", "staff revoke --tenant SLUG --grant ID", "Revokes a grant before it expires."},
	{"purge-tenant", "staff purge-tenant --tenant ID", purgeAbout},
	{"verify-deletion", "staff verify-deletion --tenant ID", verifyAbout},
}

const staffUsage = "Usage: tenantry staff create|grant|revoke|purge-tenant|verify-deletion [flags]   (tenantry staff <action> -h for its flags)\n\n" +
	"Platform staff reach a tenant only through a grant: one tenant, a reason and a ticket,\n" +
	"at most one hour, read-only unless --write. The grant and every request made with its\n" +
	"token are written to the tenant's audit log.\n\nActions:\n" +
	"  create    create a staff account\n" +
	"  grant     grant time-limited access to one tenant\n" +
	"  revoke    revoke a grant\n" +
	"  purge-tenant      purge a deleted tenant's rows and files, then check none are left\n" +
	"  verify-deletion   count what is left of a tenant (exit status 1 unless nothing)\n"

// cmdStaff runs the staff tools: create an account, grant access to a tenant, revoke a grant.
func cmdStaff(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || helpAsked(args[:1]) {
		if len(args) == 0 {
			fmt.Fprint(env.stderr, staffUsage)
			return errUsage{"staff needs create, grant or revoke"}
		}
		_, err := fmt.Fprint(env.stdout, staffUsage)
		return err
	}
	action := -1
	for i, a := range staffActions {
		if a.name == args[0] {
			action = i
		}
	}
	if action < 0 {
		fmt.Fprint(env.stderr, staffUsage)
		return errUsage{fmt.Sprintf("staff: unknown action %q (want create, grant or revoke)", args[0])}
	}
	a := staffActions[action]
	if a.name == "purge-tenant" || a.name == "verify-deletion" {
		return staffDeletion(ctx, env, a.name, a.usage, a.about, args[1:])
	}
	fs := flagSet(env, a.usage, a.about, staffEnv)
	var (
		email, name, slug, reason, ticket, grantID *string
		ttl                                        *time.Duration
		write                                      *bool
	)
	switch a.name {
	case "create":
		email = fs.String("email", "", "the staff member's e-mail address (required)")
		name = fs.String("name", "", "the staff member's name (required)")
	case "grant":
		email = fs.String("email", "", "the staff member's e-mail address (required)")
		slug = fs.String("tenant", "", "the tenant's slug (required)")
		reason = fs.String("reason", "", "why access is needed, at least 10 characters (required)")
		ticket = fs.String("ticket", "", "the support ticket reference (required)")
		ttl = fs.Duration("ttl", time.Hour, "how long the grant lasts, at most 1h")
		write = fs.Bool("write", false, "allow changes (default: read-only)")
	default:
		slug = fs.String("tenant", "", "the tenant's slug (required)")
		grantID = fs.String("grant", "", "the grant id (required)")
	}
	if err := parseFlags(env, fs, args[1:]); err != nil || helpAsked(args[1:]) {
		return err
	}
	return withDB(ctx, env, func(db *postgres.DB) error {
		svc := staff.New(db, newLogger(env.stderr, 0))
		switch a.name {
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
