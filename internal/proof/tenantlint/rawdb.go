package tenantlint

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// DefaultRawDBAllow lists the packages that may open and hold database
// connections: the database package, and the cluster, test and verify
// helpers, which never touch tenant data.
var DefaultRawDBAllow = []string{
	DBPackage,
	Module + "/internal/pgcluster",
	Module + "/internal/testkit/pgtest",
	Module + "/internal/proof/verify",
	Module + "/cmd/tenantlint",
}

// openers maps a package path to a test of the names of its functions that
// open a connection or a pool.
var openers = map[string]func(string) bool{
	pgxPackage + "/pgxpool": func(n string) bool { return strings.HasPrefix(n, "New") },
	pgxPackage:              func(n string) bool { return strings.HasPrefix(n, "Connect") },
	pgxPackage + "/pgconn":  func(n string) bool { return strings.HasPrefix(n, "Connect") },
	pgxPackage + "/stdlib":  func(n string) bool { return strings.HasPrefix(n, "OpenDB") },
	"database/sql":          func(n string) bool { return n == "Open" || n == "OpenDB" },
}

// holders are the types whose values hold a connection or a pool.
var holders = map[string][]string{
	pgxPackage + "/pgxpool": {"Pool", "Conn"},
	pgxPackage:              {"Conn"},
	pgxPackage + "/pgconn":  {"PgConn"},
	"database/sql":          {"DB", "Conn"},
}

// rawDB holds the flags of one rawdb analyzer.
type rawDB struct {
	allow pathList
}

// NewRawDB returns the rawdb analyzer: outside the packages of its -allow
// flag (default DefaultRawDBAllow), _test.go files and testdata, no call may
// open a database connection (pgxpool.New*, pgx.Connect*, pgconn.Connect*,
// sql.Open, sql.OpenDB, stdlib.OpenDB*) and no code may name or obtain a
// *pgxpool.Pool, *pgxpool.Conn, *pgx.Conn, *pgconn.PgConn, *sql.DB or
// *sql.Conn. pgx types such as pgx.Rows or pgconn.CommandTag stay allowed.
func NewRawDB() *analysis.Analyzer {
	cfg := &rawDB{allow: append(pathList(nil), DefaultRawDBAllow...)}
	a := &analysis.Analyzer{
		Name: "rawdb",
		Doc: `report database pools and connections outside the database package

Only internal/postgres (and the packages of -allow) may open or hold a pgx
pool or connection or a database/sql handle; everything else reaches tenant
data through (*postgres.DB).Tx or Read. Using pgx only for types (pgx.Rows,
pgx.Row, pgconn.CommandTag, pgtype.*, pgx.ErrNoRows) is fine anywhere.`,
		URL:      "https://pkg.go.dev/" + Module + "/internal/proof/tenantlint",
		Requires: []*analysis.Analyzer{inspect.Analyzer},
		Run:      cfg.run,
	}
	a.Flags.Var(&cfg.allow, "allow",
		"comma-separated import paths (and their subpackages) allowed to open and hold database connections")
	return a
}

// run is the analyzer's Run function.
func (cfg *rawDB) run(pass *analysis.Pass) (any, error) {
	if isTestdata(pass.Pkg.Path()) || cfg.allow.covers(pass.Pkg.Path()) {
		return nil, nil
	}
	reported := make(map[token.Pos]bool)
	report := func(pos token.Pos, format string, args ...any) {
		if !reported[pos] {
			reported[pos] = true
			pass.Reportf(pos, "rawdb: "+format+": only internal/postgres may hold connections; "+
				"reach tenant data through (*postgres.DB).Tx or Read", args...)
		}
	}
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	nodes := []ast.Node{(*ast.File)(nil), (*ast.Ident)(nil), (*ast.CallExpr)(nil), (*ast.SelectorExpr)(nil)}
	ins.Nodes(nodes, func(n ast.Node, push bool) bool {
		if !push {
			return true
		}
		switch n := n.(type) {
		case *ast.File:
			return !isTestFile(pass, n)
		case *ast.Ident:
			switch obj := pass.TypesInfo.Uses[n].(type) {
			case *types.Func:
				if isOpener(obj) {
					report(n.Pos(), "%s.%s opens a database connection", obj.Pkg().Name(), obj.Name())
				}
			case *types.TypeName:
				if isHolder(obj.Type()) {
					report(n.Pos(), "%s holds a database connection", typeString(obj.Type()))
				}
			}
		case *ast.CallExpr:
			if tv := pass.TypesInfo.Types[n.Fun]; tv.IsType() {
				return true // a conversion: the type name is reported
			}
			if t := holderIn(pass.TypesInfo.TypeOf(n)); t != nil && !callsOpener(pass, n) {
				report(n.Pos(), "this call returns %s, which holds a database connection", typeString(t))
			}
		case *ast.SelectorExpr:
			if s := pass.TypesInfo.Selections[n]; s != nil && s.Kind() == types.FieldVal && isHolder(s.Type()) {
				report(n.Sel.Pos(), "field %s is a %s, which holds a database connection", n.Sel.Name, typeString(s.Type()))
			}
		}
		return true
	})
	return nil, nil
}

// isOpener reports whether f is a package-level function that opens a
// connection or a pool.
func isOpener(f *types.Func) bool {
	if f.Pkg() == nil || f.Signature().Recv() != nil {
		return false
	}
	test, ok := openers[f.Pkg().Path()]
	return ok && test(f.Name())
}

// callsOpener reports whether call calls an opener.
func callsOpener(pass *analysis.Pass, call *ast.CallExpr) bool {
	var id *ast.Ident
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = fun
	case *ast.SelectorExpr:
		id = fun.Sel
	default:
		return false
	}
	f, ok := pass.TypesInfo.Uses[id].(*types.Func)
	return ok && isOpener(f)
}

// isHolder reports whether t (or *t) is a connection-holding type.
func isHolder(t types.Type) bool {
	for path, names := range holders {
		for _, name := range names {
			if namedIn(t, path, name) {
				return true
			}
		}
	}
	return false
}

// holderIn returns the connection-holding type in t, or in one element of a
// result tuple, or nil.
func holderIn(t types.Type) types.Type {
	if tuple, ok := t.(*types.Tuple); ok {
		for i := 0; i < tuple.Len(); i++ {
			if isHolder(tuple.At(i).Type()) {
				return tuple.At(i).Type()
			}
		}
		return nil
	}
	if t != nil && isHolder(t) {
		return t
	}
	return nil
}

// typeString writes t with package names, not paths: *pgxpool.Pool.
func typeString(t types.Type) string {
	s := types.TypeString(t, func(p *types.Package) string { return p.Name() })
	if _, ok := t.(*types.Pointer); !ok {
		s = "*" + s
	}
	return s
}
