package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// What the database tools read: their connection strings, or (DATABASE_URL unset) the private
// cluster of `dev` under the data directory.
var (
	migrateEnv = []string{"DATABASE_URL", "DATABASE_OWNER_URL", "TENANTRY_DATA_DIR", "TENANTRY_LOG_LEVEL"}
	verifyEnv  = []string{"DATABASE_OWNER_URL", "DATABASE_URL", "TENANTRY_DATA_DIR", "TENANTRY_LOG_LEVEL"}
	staffEnv   = []string{"DATABASE_URL", "DATABASE_SYSTEM_URL", "TENANTRY_DATA_DIR", "TENANTRY_LOG_LEVEL"}
)

// toolVars are variables only the client tools read; `serve -h` does not list them.
var toolVars = []configVar{
	{"TENANTRY_API_KEY", "", "the API key, when --api-key is not given"},
	{"NO_COLOR", "", "any value: print without colour"},
}

// serverEnv is every server variable: serve, dev and demo read them all.
func serverEnv() []string {
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.name
	}
	return names
}

// flagSet is a command's flags with its help: "Usage: tenantry <usage>", what the command does,
// its flags, and the environment variables it reads (envVars, in that order; none: no section).
// Help asked for with -h goes to stdout; help after a mistake goes to stderr (parseFlags).
func flagSet(env *environment, usage, about string, envVars []string) *flag.FlagSet {
	name, _, _ := strings.Cut(usage, " ")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: tenantry %s\n\n%s\n", usage, about)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
		if len(envVars) > 0 {
			fmt.Fprintln(w)
			printVars(w, envVars)
		}
	}
	return fs
}

// parseFlags parses a command's flags: -h prints the help to stdout (the caller then returns
// nil, see helpAsked), a bad flag or a stray argument is a usage error (exit status 2).
func parseFlags(env *environment, fs *flag.FlagSet, args []string) error {
	if helpAsked(args) {
		fs.SetOutput(env.stdout)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage{err.Error()}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// helpAsked reports whether args ask for help.
func helpAsked(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// printVars lists the named variables with their meaning and default, names in one column.
func printVars(w io.Writer, names []string) {
	fmt.Fprintln(w, "Environment:")
	all := append(append([]configVar(nil), vars...), toolVars...)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		for _, v := range all {
			if v.name != n {
				continue
			}
			def := v.def
			if def == "" {
				def = "(unset)"
			}
			fmt.Fprintf(w, "  %-*s  %s [default %s]\n", width, v.name, v.doc, def)
		}
	}
}

// version and revision are set at build time (make release: -ldflags "-X main.version=1.2.3
// -X main.revision=<commit>"). Without them: the module version the binary was built from
// (go install …@v1.2.3) or "dev", and the VCS revision the Go toolchain recorded, if any.
var version, revision = "", ""

// buildVersion is the version the binary reports (banner, OpenAPI document, `version`).
func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// versionLine is what `tenantry version` and `--version` print: the version, the VCS revision
// (stamped by make release, or recorded by the Go toolchain unless built with -buildvcs=false),
// the commit time when recorded, and the Go version.
func versionLine() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return formatVersion(buildVersion(), revision, info)
}

// formatVersion is versionLine's text for a version, a stamped revision (may be empty) and the
// binary's build information (nil when there is none).
func formatVersion(v, rev string, info *debug.BuildInfo) string {
	parts := []string{}
	at, modified := "", ""
	if info != nil {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	if rev != "" {
		r := "revision " + rev
		if modified == "true" {
			r += " (modified)"
		}
		parts = append(parts, r)
	}
	if at != "" {
		parts = append(parts, at)
	}
	if info != nil {
		parts = append(parts, info.GoVersion)
	}
	if len(parts) == 0 {
		return "tenantry " + v
	}
	return "tenantry " + v + " (" + strings.Join(parts, ", ") + ")"
}
