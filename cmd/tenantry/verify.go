package main

import (
	"context"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/proof/verify"
)

func cmdVerify(ctx context.Context, env *environment, args []string) error {
	fs := flagSet(env, "verify [--json]", "Checks a live database against the isolation contract (shared/spec/isolation.md):\n"+
		"one line per invariant and object, non-zero exit on any FAIL. It reads DATABASE_OWNER_URL,\n"+
		"else DATABASE_URL; with neither it checks the private database of `tenantry dev`.", verifyEnv)
	asJSON := fs.Bool("json", false, "print the results as a JSON array")
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	cfg, _, stop, err := prepare(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	url := cfg.OwnerURL
	if url == "" {
		url = cfg.DatabaseURL
	}
	failed, err := verifyDatabase(ctx, url, env, *asJSON)
	if err != nil {
		return err
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}

// globalUnique lists the unique indexes of tenant tables that deliberately leave out tenant_id, each
// the index of a registered cross-tenant lookup by a secret the application generates (no caller
// can choose the value, so a duplicate cannot reveal another tenant's row).
var globalUnique = map[string][]string{
	// flows.share_by_token: a share link is opened before the tenant is known; the token has 384 or
	// more random bits and only its SHA-256 is stored.
	"flow_session_shares": {"flow_session_shares_token_key"},
	// flows.csat_by_token: a satisfaction survey is answered without an account; the token has 512
	// random bits and only its SHA-256 is stored.
	"flow_csat_surveys": {"flow_csat_surveys_token_key"},
}

// expectation is what the isolation contract demands of Tenantry's own database.
func expectation() verify.Expect {
	return verify.Expect{
		OwnerRole: postgres.OwnerRole, AppRole: postgres.AppRole, SystemRole: postgres.SystemRole,
		SystemGrants: postgres.SystemGrants(),
		GlobalUnique: globalUnique,
		GlobalTables: postgres.GlobalTables(),
	}
}

func verifyDatabase(ctx context.Context, url string, env *environment, asJSON bool) (failed int, err error) {
	var results []verify.Result
	err = postgres.InspectCatalog(ctx, url, func(q postgres.Querier) error {
		results, err = verify.Check(ctx, q, expectation())
		return err
	})
	if err != nil {
		return 0, err
	}
	return verify.Write(env.stdout, results, asJSON)
}
