package tenantlint

import (
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// pgxPackage is the import path of pgx.
const pgxPackage = "github.com/jackc/pgx/v5"

// sqlMethods are the methods whose SQL argument tenantsql checks, on any
// receiver: pgx's and the Querier's, and database/sql's Context variants.
var sqlMethods = map[string]bool{
	"Exec": true, "Query": true, "QueryRow": true,
	"ExecContext": true, "QueryContext": true, "QueryRowContext": true,
}

// tenantSQL holds the flags of one tenantsql analyzer.
type tenantSQL struct {
	migrations string
	dynamicOK  pathList
	tests      bool
}

// NewTenantSQL returns the tenantsql analyzer: every constant SQL string
// passed to Exec, Query, QueryRow (any receiver) or (*pgx.Batch).Queue is
// parsed with the PostgreSQL parser, and each reference to a tenant table
// must be bound by a tenant_id = $n predicate; non-constant SQL is reported
// outside the packages of -dynamic. Its flags are -migrations, -dynamic and
// -tests.
func NewTenantSQL() *analysis.Analyzer {
	cfg := &tenantSQL{migrations: DefaultMigrations, dynamicOK: pathList{DBPackage}}
	a := &analysis.Analyzer{
		Name:     "tenantsql",
		Doc:      tenantSQLDoc,
		URL:      "https://pkg.go.dev/" + Module + "/internal/proof/tenantlint",
		Requires: []*analysis.Analyzer{inspect.Analyzer},
		Run:      cfg.run,
	}
	a.Flags.StringVar(&cfg.migrations, "migrations", cfg.migrations,
		"comma-separated globs of goose migration files that define the tenant tables (tables with a tenant_id column); "+
			"relative globs are taken from the module root (the nearest go.mod above the package), ** matches any directories")
	a.Flags.Var(&cfg.dynamicOK, "dynamic",
		"comma-separated import paths (and their subpackages) allowed to pass non-constant SQL")
	a.Flags.BoolVar(&cfg.tests, "tests", false, "also check SQL in _test.go files")
	return a
}

// tenantSQLDoc is the analyzer's documentation.
const tenantSQLDoc = `check that SQL reaching tenant tables is scoped to one tenant

Every constant SQL string passed to a method Exec, Query or QueryRow (any
receiver, also their ...Context forms) or to (*pgx.Batch).Queue is parsed
with the PostgreSQL parser. Each reference to a tenant table (a table with a
tenant_id column in the goose migrations) in SELECT, UPDATE or DELETE needs a
top-level conjunct alias.tenant_id = $n in WHERE or in the table's JOIN ... ON,
or alias.tenant_id = other.tenant_id with other bound. INSERT into a tenant
table must list tenant_id. SQL that does not parse is reported, and so is
non-constant SQL outside the database package. Strings inside
postgres.CrossTenant{...} literals are exempt from the tenant rule.
Owner-only tables (COMMENT ON TABLE t IS 'owner-only (col, ...): ...' in a
migration) also need alias.col = $n on an owner column (or an OR of such),
unless the statement says "-- tenantlint:all-owners <reason>".`

// pkgState is the per-package state of one tenantsql run.
type pkgState struct {
	pass   *analysis.Pass
	cfg    *tenantSQL
	tables map[string]bool
	owners map[string][]string
	loaded bool
	err    error
}

// run is the analyzer's Run function.
func (cfg *tenantSQL) run(pass *analysis.Pass) (any, error) {
	if isTestdata(pass.Pkg.Path()) {
		return nil, nil
	}
	st := &pkgState{pass: pass, cfg: cfg}
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	nodeTypes := []ast.Node{(*ast.File)(nil), (*ast.CompositeLit)(nil), (*ast.CallExpr)(nil)}
	ins.WithStack(nodeTypes, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		switch n := n.(type) {
		case *ast.File:
			return cfg.tests || !isTestFile(pass, n)
		case *ast.CompositeLit:
			if isCrossTenant(pass.TypesInfo.Types[n].Type) {
				st.crossTenant(n)
			}
		case *ast.CallExpr:
			st.call(n, insideCrossTenant(pass, stack))
		}
		return true
	})
	return nil, st.err
}

// call checks one call expression.
func (st *pkgState) call(call *ast.CallExpr, exempt bool) {
	pass := st.pass
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return
	}
	selection := pass.TypesInfo.Selections[sel]
	if selection == nil || selection.Kind() != types.MethodVal {
		return
	}
	name := sel.Sel.Name
	if !sqlMethods[name] && !(name == "Queue" && namedIn(selection.Recv(), pgxPackage, "Batch")) {
		return
	}
	sig, ok := selection.Type().(*types.Signature)
	if !ok {
		return
	}
	idx := sqlParam(sig)
	if idx < 0 || idx >= len(call.Args) {
		return
	}
	arg := call.Args[idx]
	tv := pass.TypesInfo.Types[arg]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		if !st.cfg.dynamicOK.covers(pass.Pkg.Path()) {
			pass.Reportf(arg.Pos(), "tenantsql: dynamic SQL passed to %s cannot be checked: build it from constants "+
				"(checked here) or register it as a postgres.CrossTenant query", name)
		}
		return
	}
	st.checkSQL(arg, constant.StringVal(tv.Value), exempt)
}

// sqlParam returns the index of the SQL parameter of a method: the first
// string parameter among the first two (after an optional context), or -1.
func sqlParam(sig *types.Signature) int {
	params := sig.Params()
	for i := 0; i < params.Len() && i < 2; i++ {
		t := params.At(i).Type()
		if sig.Variadic() && i == params.Len()-1 {
			return -1
		}
		if b, ok := t.Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
			return i
		}
	}
	return -1
}

// checkSQL parses one constant SQL string found at arg and reports problems;
// exempt skips the tenant rule (CrossTenant literals) but not the parse.
func (st *pkgState) checkSQL(arg ast.Expr, sql string, exempt bool) {
	pass := st.pass
	label := "tenantsql: "
	if obj := constObject(pass, arg); obj != nil {
		label += obj.Name() + ": "
	}
	if exempt {
		if _, err := parseCached(sql); err != nil {
			pass.Reportf(arg.Pos(), "%sSQL does not parse: %v", label, err)
		}
		return
	}
	tables, err := st.tenantTables()
	if err != nil {
		return
	}
	problems, err := CheckOwnedSQL(sql, tables, st.owners)
	if err != nil {
		pass.Reportf(arg.Pos(), "%sSQL does not parse: %v", label, err)
		return
	}
	for _, p := range problems {
		pass.Reportf(arg.Pos(), "%s%s", label, p)
	}
}

// constObject returns the named constant that expression e denotes, if any.
func constObject(pass *analysis.Pass, e ast.Expr) *types.Const {
	var id *ast.Ident
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return nil
	}
	c, _ := pass.TypesInfo.Uses[id].(*types.Const)
	return c
}

// tenantTables loads the tenant tables once per package; a failure is
// stored in st.err and ends the analysis of the package with an error.
func (st *pkgState) tenantTables() (map[string]bool, error) {
	if st.loaded {
		return st.tables, st.err
	}
	st.loaded = true
	patterns := strings.Split(st.cfg.migrations, ",")
	root := ""
	for _, f := range st.pass.Files {
		if root = FindModuleRoot(filepath.Dir(st.pass.Fset.File(f.Pos()).Name())); root != "" {
			break
		}
	}
	if root == "" && !allAbsolute(patterns) {
		st.err = errors.New("tenantsql: no go.mod above the package files to resolve -migrations against; give absolute globs")
		return nil, st.err
	}
	e, err := loadTenantTables(root, patterns)
	switch {
	case err != nil:
		st.err = fmt.Errorf("tenantsql: %w", err)
	case len(e.files) == 0:
		st.err = fmt.Errorf("tenantsql: no migration files match %q under %s: cannot tell the tenant tables "+
			"(set -migrations)", st.cfg.migrations, root)
	}
	st.tables, st.owners = e.tables, e.owners
	return st.tables, st.err
}

// allAbsolute reports whether every non-empty pattern is an absolute path.
func allAbsolute(patterns []string) bool {
	for _, p := range patterns {
		if p = strings.TrimSpace(p); p != "" && !filepath.IsAbs(p) {
			return false
		}
	}
	return true
}

// isCrossTenant reports whether t is postgres.CrossTenant or a pointer to it.
func isCrossTenant(t types.Type) bool {
	return t != nil && namedIn(t, DBPackage, "CrossTenant")
}

// insideCrossTenant reports whether the innermost node of stack lies inside
// a postgres.CrossTenant composite literal.
func insideCrossTenant(pass *analysis.Pass, stack []ast.Node) bool {
	for _, n := range stack {
		if lit, ok := n.(*ast.CompositeLit); ok && isCrossTenant(pass.TypesInfo.Types[lit].Type) {
			return true
		}
	}
	return false
}

// crossTenant checks a registered cross-tenant query: Name and Why are set,
// SQL is a constant that parses. Its SQL is exempt from the tenant rule.
// Fields the type does not have are not asked for.
func (st *pkgState) crossTenant(lit *ast.CompositeLit) {
	pass := st.pass
	fields, declared := literalFields(pass, lit)
	for _, name := range []string{"Name", "Why"} {
		if !declared[name] {
			continue
		}
		if v, ok := fields[name]; !ok || isEmptyString(pass, v) {
			pass.Reportf(lit.Pos(), "tenantsql: postgres.CrossTenant has no %s: "+
				"a registered query needs a name and a one-line justification", name)
		}
	}
	if !declared["SQL"] {
		return
	}
	v, ok := fields["SQL"]
	if !ok {
		pass.Reportf(lit.Pos(), "tenantsql: postgres.CrossTenant has no SQL")
		return
	}
	tv := pass.TypesInfo.Types[v]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		pass.Reportf(v.Pos(), "tenantsql: postgres.CrossTenant SQL must be a constant string, so it can be parsed and reviewed")
		return
	}
	st.checkSQL(v, constant.StringVal(tv.Value), true)
}

// literalFields maps the field names of a struct literal to their values,
// keyed or positional, and returns the set of fields its type declares.
func literalFields(pass *analysis.Pass, lit *ast.CompositeLit) (fields map[string]ast.Expr, declared map[string]bool) {
	t := pass.TypesInfo.Types[lit].Type
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	strct, ok := t.Underlying().(*types.Struct)
	if !ok {
		return nil, nil
	}
	declared = make(map[string]bool, strct.NumFields())
	for i := 0; i < strct.NumFields(); i++ {
		declared[strct.Field(i).Name()] = true
	}
	fields = make(map[string]ast.Expr, len(lit.Elts))
	for i, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				fields[id.Name] = kv.Value
			}
		} else if i < strct.NumFields() {
			fields[strct.Field(i).Name()] = elt
		}
	}
	return fields, declared
}

// isEmptyString reports whether e is the constant "".
func isEmptyString(pass *analysis.Pass, e ast.Expr) bool {
	tv := pass.TypesInfo.Types[e]
	return tv.Value != nil && tv.Value.Kind() == constant.String && strings.TrimSpace(constant.StringVal(tv.Value)) == ""
}
