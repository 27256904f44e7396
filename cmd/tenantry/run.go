package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errSilent is returned by commands that already told the user what went wrong (for example a
// failed verification) and only need a non-zero exit.
var errSilent = errors.New("failed")

// errUsage marks a mistake in the command line (exit status 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func exitCode(err error) int {
	var u errUsage
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env *environment, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the API server against DATABASE_URL (production)", cmdServe},
		{"dev", "run the API with a private PostgreSQL under ./.tenantry (no configuration needed)", cmdDev},
		{"demo", "like dev, plus demo tenants: parking sensors a simulator drives, flows with a shared session", cmdDemo},
		{"simulate", "post simulated ChirpStack v4 sensor events to an ingest endpoint", cmdSimulate},
		{"migrate", "apply or inspect database migrations: up | down | status", cmdMigrate},
		{"verify", "check a live database against the isolation contract", cmdVerify},
		{"staff", "platform staff: create accounts, grant time-limited access to a tenant, revoke", cmdStaff},
		{"probe", "probe a running server for cross-tenant access, operation by operation", cmdProbe},
		{"smoke", "a short end-to-end check of a running server (PASS/FAIL lines)", cmdSmoke},
		{"version", "print the version and the revision it was built from (also --version)", cmdVersion},
	}
}

// environment is what every command gets: its output streams and the process environment.
type environment struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// run is the whole program: it parses args (without the program name) and runs one command.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	env := &environment{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) > 1 && args[0] == "help" {
		args = append(args[1:len(args):len(args)], "-h") // tenantry help migrate up: migrate up -h
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	if args[0] == "--version" || args[0] == "-version" {
		return cmdVersion(ctx, env, nil)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	usage(stderr)
	return errUsage{fmt.Sprintf("unknown command %q", args[0])}
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Tenantry: a multi-tenant SaaS backend with tenant isolation you can prove.\n\n")
	b.WriteString("Usage: tenantry <command> [flags]   (tenantry <command> -h for a command's flags)\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\nConfiguration is read from the environment; `tenantry serve -h` lists every variable.\n")
	_, _ = io.WriteString(w, b.String())
}

func cmdVersion(_ context.Context, env *environment, args []string) error {
	fs := flagSet(env, "version", "Prints the version, the VCS revision it was built from and the Go version.", nil)
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	_, err := fmt.Fprintln(env.stdout, versionLine())
	return err
}
