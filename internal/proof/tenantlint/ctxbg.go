package tenantlint

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// DefaultCtxBGAllow lists the packages, besides cmd/..., that may make a
// root context: the cluster and test helpers, which run outside requests.
var DefaultCtxBGAllow = []string{
	Module + "/internal/pgcluster",
	Module + "/internal/testkit/pgtest",
}

// ctxBG holds the flags of one ctxbg analyzer.
type ctxBG struct {
	allow pathList
}

// NewCtxBG returns the ctxbg analyzer: no context.Background or
// context.TODO in non-test code outside cmd/ and the packages of its -allow
// flag (default DefaultCtxBGAllow). A fresh root context drops the request's
// cancellation, deadline and tenant scope.
func NewCtxBG() *analysis.Analyzer {
	cfg := &ctxBG{allow: append(pathList(nil), DefaultCtxBGAllow...)}
	a := &analysis.Analyzer{
		Name: "ctxbg",
		Doc: `report context.Background and context.TODO outside cmd/

Code below cmd/ runs for a request or a job and must use the context it was
given: a fresh root context drops the cancellation, the deadline and the
tenant scope. _test.go files, cmd/... and the packages of -allow are exempt.`,
		URL:      "https://pkg.go.dev/" + Module + "/internal/proof/tenantlint",
		Requires: []*analysis.Analyzer{inspect.Analyzer},
		Run:      cfg.run,
	}
	a.Flags.Var(&cfg.allow, "allow",
		"comma-separated import paths (and their subpackages) allowed to call context.Background and context.TODO")
	return a
}

// run is the analyzer's Run function.
func (cfg *ctxBG) run(pass *analysis.Pass) (any, error) {
	path := pass.Pkg.Path()
	if isTestdata(path) || cfg.allow.covers(path) || inCmd(path) {
		return nil, nil
	}
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	ins.Nodes([]ast.Node{(*ast.File)(nil), (*ast.Ident)(nil)}, func(n ast.Node, push bool) bool {
		if !push {
			return true
		}
		switch n := n.(type) {
		case *ast.File:
			return !isTestFile(pass, n)
		case *ast.Ident:
			f, ok := pass.TypesInfo.Uses[n].(*types.Func)
			if ok && f.Pkg() != nil && f.Pkg().Path() == "context" && (f.Name() == "Background" || f.Name() == "TODO") {
				pass.Reportf(n.Pos(), "ctxbg: context.%s() outside cmd/: pass the request context down "+
					"(take ctx as the first parameter) so cancellation and the tenant scope reach this code", f.Name())
			}
		}
		return true
	})
	return nil, nil
}

// inCmd reports whether an import path has a cmd element, as in
// github.com/tenantry/tenantry/cmd/tenantry.
func inCmd(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if seg == "cmd" {
			return true
		}
	}
	return false
}
