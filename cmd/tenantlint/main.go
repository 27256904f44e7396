package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/tenantry/tenantry/internal/proof/tenantlint"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "tables" {
		os.Exit(tables(os.Args[2:], os.Stdout, os.Stderr))
	}
	multichecker.Main(tenantlint.Analyzers()...)
}

// tables implements "tenantlint tables [-migrations=GLOBS] [DIR]": it lists
// the migration files found from DIR's module root and the tenant tables
// they define. It returns the exit status.
func tables(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tenantlint tables", flag.ContinueOnError)
	fs.SetOutput(stderr)
	migrations := fs.String("migrations", tenantlint.DefaultMigrations,
		"comma-separated globs of goose migration files, relative to the module root")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir := "."
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		fmt.Fprintln(stderr, "tenantlint tables:", err)
		return 1
	}
	root := tenantlint.FindModuleRoot(abs)
	if root == "" {
		fmt.Fprintf(stderr, "tenantlint tables: no go.mod at or above %s\n", abs)
		return 1
	}
	files, err := tenantlint.MigrationFiles(root, strings.Split(*migrations, ","))
	if err != nil {
		fmt.Fprintln(stderr, "tenantlint tables:", err)
		return 1
	}
	set, err := tenantlint.TenantTables(files)
	if err != nil {
		fmt.Fprintln(stderr, "tenantlint tables:", err)
		return 1
	}
	printTables(stdout, root, files, set)
	if len(files) == 0 {
		fmt.Fprintf(stderr, "tenantlint tables: no migration files match %q under %s\n", *migrations, root)
		return 1
	}
	return 0
}

// printTables writes one line per migration file (relative to root) and one
// per tenant table, in order.
func printTables(w io.Writer, root string, files []string, set map[string]bool) {
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			rel = f
		}
		fmt.Fprintln(w, "migration", filepath.ToSlash(rel))
	}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		fmt.Fprintln(w, "tenant table", name)
	}
}
