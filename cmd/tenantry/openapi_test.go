package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestOpenAPIDocumented holds the served document to what the linters of `make lint-openapi`
// (Spectral's spectral:oas, Redocly's recommended) and generated clients need, so that a new
// operation fails here, in `go test`, rather than only in the lint: every operation has an id, a
// summary, a description and tags declared with a description (httpapi.DescribeTag); public
// operations say `security: []`; every error status has an example problem of that very status;
// no list schema is nullable; the API-key scheme lists every scope an operation names.
func TestOpenAPIDocumented(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	r := s.Do("GET", "/openapi.json", "", nil)
	var doc openAPIDoc
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, gap := range doc.gaps() {
		t.Error(gap)
	}
	if len(doc.Servers) == 0 {
		t.Error("no servers")
	}
	var nullable []string
	walkSchemas(doc.Components["schemas"], "#/components/schemas", func(path string, m map[string]any) {
		if types, ok := m["type"].([]any); ok && slices.Contains(types, any("array")) && slices.Contains(types, any("null")) {
			nullable = append(nullable, path)
		}
	})
	if len(nullable) > 0 {
		t.Errorf("nullable lists (clients would get *[]T): %v", nullable)
	}
}

// TestOpenAPIDocumentedFails: the check finds an undocumented operation, an undeclared tag, a
// public operation without `security: []` and a 409 whose example is a 404.
func TestOpenAPIDocumentedFails(t *testing.T) {
	t.Parallel()
	var doc openAPIDoc
	raw := `{"tags": [{"name": "Sites", "description": "sites"}], "paths": {"/x": {"post": {"operationId": "x",
		"tags": ["Nope"], "x-tenantry-access": {"class": "public"},
		"responses": {"409": {"content": {"application/problem+json": {"example": {"status": 404, "kind": "not_found"}}}}}}}}}`
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(doc.gaps(), "\n")
	for _, want := range []string{"no summary", "no description", `tag "Nope" is not declared`, "security: []", "409 application/problem+json has no example"} {
		if !strings.Contains(got, want) {
			t.Errorf("gaps lack %q:\n%s", want, got)
		}
	}
}

type openAPIDoc struct {
	Servers []any `json:"servers"`
	Tags    []struct {
		Name, Description string
	} `json:"tags"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components map[string]map[string]any       `json:"components"`
}

type openAPIOp struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	Tags        []string               `json:"tags"`
	Security    *[]map[string][]string `json:"security"`
	Access      struct {
		Class, Scope string
	} `json:"x-tenantry-access"`
	Responses map[string]struct {
		Content map[string]struct {
			Example json.RawMessage `json:"example"`
		} `json:"content"`
	} `json:"responses"`
}

// gaps lists what the document lacks, one line each.
func (d openAPIDoc) gaps() []string {
	declared := map[string]bool{}
	for _, t := range d.Tags {
		declared[t.Name] = t.Description != ""
	}
	apiKey, _ := d.Components["securitySchemes"]["apiKey"].(map[string]any)
	scopes, _ := apiKey["x-tenantry-scopes"].(map[string]any)
	var gaps []string
	for path, item := range d.Paths {
		for method, op := range item {
			name := strings.ToUpper(method) + " " + path
			gap := func(format string, args ...any) { gaps = append(gaps, name+": "+fmt.Sprintf(format, args...)) }
			for what, missing := range map[string]bool{"operationId": op.OperationID == "", "summary": strings.TrimSpace(op.Summary) == "",
				"description": strings.TrimSpace(op.Description) == "", "tag": len(op.Tags) == 0} {
				if missing {
					gap("no %s", what)
				}
			}
			for _, t := range op.Tags {
				if !declared[t] {
					gap("tag %q is not declared with a description (httpapi.DescribeTag)", t)
				}
			}
			if op.Access.Class == "public" && (op.Security == nil || len(*op.Security) != 0 && len((*op.Security)[0]) != 0) {
				gap("a public operation needs security: [] (or an optional credential)")
			}
			if _, ok := scopes[op.Access.Scope]; op.Access.Scope != "" && !ok {
				gap("scope %q is not listed in the apiKey scheme's x-tenantry-scopes", op.Access.Scope)
			}
			for code, r := range op.Responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					gap("response %q is not a status", code)
					continue
				}
				for ct, mt := range r.Content {
					var problem struct {
						Status int    `json:"status"`
						Kind   string `json:"kind"`
					}
					if status >= 400 && (json.Unmarshal(mt.Example, &problem) != nil || problem.Status != status || problem.Kind == "") {
						gap("%d %s has no example problem of status %d", status, ct, status)
					}
					if status < 300 && strings.Contains(ct, "json") && len(mt.Example) == 0 {
						gap("%d %s has no example (give the fields with a pattern an example tag)", status, ct)
					}
				}
			}
		}
	}
	slices.Sort(gaps)
	return gaps
}

// walkSchemas calls f on every schema object below v.
func walkSchemas(v any, path string, f func(string, map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(path, x)
		for k, c := range x {
			walkSchemas(c, path+"/"+k, f)
		}
	case []any:
		for i, c := range x {
			walkSchemas(c, path+"/"+strconv.Itoa(i), f)
		}
	}
}
