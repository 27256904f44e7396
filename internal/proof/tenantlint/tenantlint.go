package tenantlint

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Module is the import path of the Tenantry module.
const Module = "github.com/tenantry/tenantry"

// DBPackage is the import path of the only package that holds database
// connections and defines the scoped helper and postgres.CrossTenant.
const DBPackage = Module + "/internal/postgres"

// Analyzers returns new instances of every check, each with its own flags at
// their defaults, in the order tenantsql, rawdb, ctxbg.
func Analyzers() []*analysis.Analyzer {
	return []*analysis.Analyzer{NewTenantSQL(), NewRawDB(), NewCtxBG()}
}

// pathList is a flag.Value holding comma-separated import paths.
type pathList []string

// String returns the list as the flag shows it.
func (l *pathList) String() string { return strings.Join(*l, ",") }

// Set replaces the list with the comma-separated paths in s.
func (l *pathList) Set(s string) error {
	*l = nil
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// covers reports whether pkgPath is one of the paths or below one of them.
// The suffix "_test" of an external test package is ignored.
func (l pathList) covers(pkgPath string) bool {
	pkgPath = strings.TrimSuffix(pkgPath, "_test")
	for _, p := range l {
		if pkgPath == p || strings.HasPrefix(pkgPath, p+"/") {
			return true
		}
	}
	return false
}

// isTestdata reports whether an import path lies in a testdata directory.
func isTestdata(pkgPath string) bool {
	return pkgPath == "testdata" || strings.HasPrefix(pkgPath, "testdata/") || strings.Contains(pkgPath, "/testdata/") ||
		strings.HasSuffix(pkgPath, "/testdata")
}

// isTestFile reports whether f is a _test.go file.
func isTestFile(pass *analysis.Pass, f *ast.File) bool {
	return strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go")
}

// namedIn reports whether t, or what it points to, is the named type
// pkgPath.name.
func namedIn(t types.Type, pkgPath, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	return n.Obj().Pkg().Path() == pkgPath && n.Obj().Name() == name
}
