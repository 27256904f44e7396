package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/tenantry/tenantry/internal/proof/probe"
)

func cmdProbe(ctx context.Context, env *environment, args []string) error {
	fs := flagSet(env, "probe --url URL [--json] [--mail-dir DIR]", "Runs the cross-tenant probe against a running server: builds two tenants from the\n"+
		"server's /openapi.json, then tries every operation as every principal of tenant B with\n"+
		"tenant A's ids (docs/isolation.md). Non-zero exit on any finding or on an operation with\n"+
		"ids that could not be probed.", []string{"TENANTRY_DATA_DIR"})
	url := fs.String("url", "", "base URL of the server, e.g. http://127.0.0.1:8080 (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	mailDir := fs.String("mail-dir", "", "where the server's development mail sender writes (invitation tokens for the\n"+
		"member principals); default: $TENANTRY_DATA_DIR/mail when it exists")
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	if *url == "" {
		return errUsage{"probe: --url is required"}
	}
	opts := probe.Options{URL: *url, Progress: env.stderr}
	if *mailDir == "" {
		*mailDir = devMailDir(env.getenv)
	}
	if *mailDir != "" {
		opts.InvitationToken = probe.MailDirTokens(*mailDir, 20*time.Second)
	}
	if *asJSON {
		opts.Progress = nil
	}
	rep, err := probe.Run(ctx, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.Write(env.stdout)
	}
	if rep.Failed() {
		return errSilent
	}
	return nil
}

// devMailDir returns the development mail sender's directory, $TENANTRY_DATA_DIR/mail, when it
// exists, else "": where `probe` and `smoke` read invitation tokens by default.
func devMailDir(getenv func(string) string) string {
	cfg, _ := loadConfig(getenv)
	dir := filepath.Join(cfg.DataDir, "mail")
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}
