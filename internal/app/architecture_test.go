package app_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tenantry/tenantry"

// layer is a package's place in the layout (docs/architecture.md): arrows point down.
type layer int

const (
	layerCore     layer = iota // tenancy, errs, auth, telemetry; pkg/client
	layerAdapter               // postgres, pgcluster, httpapi, jobs, blob, console
	layerPlatform              // platform/*
	layerProduct               // products/*
	layerProof                 // proof/*: generic over the catalog and the OpenAPI document
	layerApp                   // app: the one assembly
	layerTop                   // cmd/*, testkit/*, bench: may build the whole service
	layerUnknown
)

// layerOf places an import path (relative to the module) in its layer.
func layerOf(rel string) layer {
	first, _, _ := strings.Cut(strings.TrimPrefix(rel, "internal/"), "/")
	switch {
	case strings.HasPrefix(rel, "cmd/"):
		return layerTop
	case strings.HasPrefix(rel, "pkg/"): // the generated API client: public, imports nothing of ours
		return layerCore
	case !strings.HasPrefix(rel, "internal/"):
		return layerUnknown
	}
	switch first {
	case "tenancy", "errs", "auth", "telemetry":
		return layerCore
	case "postgres", "pgcluster", "httpapi", "jobs", "blob", "console":
		return layerAdapter
	case "platform":
		return layerPlatform
	case "products":
		return layerProduct
	case "proof":
		return layerProof
	case "app":
		return layerApp
	case "testkit", "bench":
		return layerTop
	}
	return layerUnknown
}

// product returns the product a package belongs to ("" outside internal/products).
func product(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) >= 3 && parts[0] == "internal" && parts[1] == "products" {
		return parts[2]
	}
	return ""
}

// arrowProblem says why the import from → to breaks the layout, or "" when it is allowed.
func arrowProblem(from, to string) string {
	lf, lt := layerOf(from), layerOf(to)
	switch {
	case lf == layerUnknown:
		return "package outside the layout: place it in a layer (docs/architecture.md)"
	case lt == layerUnknown:
		return "imports a package outside the layout"
	case lt == layerApp && lf != layerTop:
		return "only cmd, the test kit and the load harness import internal/app"
	case lt == layerTop && lf != layerTop:
		return "only commands import a command, the test kit or the load harness"
	case lf == layerProof && (lt == layerPlatform || lt == layerProduct):
		return "the proofs are generic: they read the catalog and the OpenAPI document, not a product"
	case lf == layerProduct && lt == layerProduct && product(from) != product(to):
		return "a product never imports another product"
	case lf <= layerProduct && lt > lf:
		return "the arrow points up"
	}
	return ""
}

// violations lists every import edge that breaks the layout.
func violations(edges map[string][]string) []string {
	var out []string
	for from, tos := range edges {
		for _, to := range tos {
			if p := arrowProblem(from, to); p != "" {
				out = append(out, from+" -> "+to+": "+p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// importGraph reads the module's package graph (non-test imports) with go list.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	edges := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		from := strings.TrimPrefix(fields[0], module+"/")
		edges[from] = nil
		for _, imp := range fields[1:] {
			if to, ok := strings.CutPrefix(imp, module+"/"); ok {
				edges[from] = append(edges[from], to)
			}
		}
	}
	return edges
}

// TestArrowsPointDown fails when an import points the wrong way: an adapter or the core importing
// a platform package or a product, a product importing another, anything but cmd, the test kit
// and the load harness importing internal/app.
func TestArrowsPointDown(t *testing.T) {
	edges := importGraph(t)
	if len(edges) < 20 {
		t.Fatalf("go list found only %d packages", len(edges))
	}
	for _, v := range violations(edges) {
		t.Error(v)
	}
}

// TestArrowRules checks the rule table itself on edges that must pass and edges that must fail,
// so the real-graph test above cannot pass by accident.
func TestArrowRules(t *testing.T) {
	allowed := [][2]string{
		{"cmd/tenantry", "internal/app"},
		{"internal/testkit/apitest", "internal/app"},
		{"internal/bench", "internal/app"},
		{"internal/app", "internal/products/parking"},
		{"internal/products/parking", "internal/platform/audit"},
		{"internal/products/parking", "internal/httpapi"},
		{"internal/products/parking/store", "internal/postgres"},
		{"internal/platform/identity", "internal/platform/mail"},
		{"internal/httpapi", "internal/postgres"},
		{"internal/jobs", "internal/tenancy"},
		{"internal/auth", "internal/errs"},
		{"internal/proof/verify", "internal/postgres"},
		{"cmd/loadbench", "internal/bench"},
		{"internal/testkit/testenv", "internal/testkit/pgtest"},
	}
	for _, e := range allowed {
		if p := arrowProblem(e[0], e[1]); p != "" {
			t.Errorf("%s -> %s refused: %s", e[0], e[1], p)
		}
	}
	refused := [][2]string{
		{"internal/jobs", "internal/products/parking"},
		{"internal/httpapi", "internal/platform/audit"},
		{"internal/httpapi", "internal/platform/ratelimit"},
		{"internal/postgres", "internal/products/flows"},
		{"internal/tenancy", "internal/httpapi"},
		{"internal/errs", "internal/postgres"},
		{"internal/products/flows", "internal/products/parking"},
		{"internal/platform/identity", "internal/products/parking"},
		{"internal/products/parking", "internal/app"},
		{"internal/platform/audit", "internal/testkit/apitest"},
		{"internal/proof/probe", "internal/products/parking"},
		{"internal/newthing", "internal/tenancy"},
	}
	for _, e := range refused {
		if arrowProblem(e[0], e[1]) == "" {
			t.Errorf("%s -> %s allowed, want refused", e[0], e[1])
		}
	}
	got := violations(map[string][]string{"internal/jobs": {"internal/tenancy", "internal/products/parking"}})
	if len(got) != 1 || !strings.HasPrefix(got[0], "internal/jobs -> internal/products/parking") {
		t.Errorf("violations = %v", got)
	}
}
