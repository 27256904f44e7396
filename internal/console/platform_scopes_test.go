package console_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/tenantry/tenantry/internal/platform/apikeys"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/platform/webhooks/endpoints"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestPlatformScopesMatchTheAPI: the API keys page offers exactly the scopes POST /api/v1/api-keys
// accepts (the enum of its OpenAPI document, in its order), each with the minimum role, default
// and description its package declares.
func TestPlatformScopesMatchTheAPI(t *testing.T) {
	src, err := os.ReadFile("assets/js/pages/platform/keys.js")
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		name, role string
		def        bool
		doc        string
	}
	var page []entry
	for _, m := range regexp.MustCompile(`\['([a-z:-]+)', '([a-z]+)', (true|false), '((?:[^'\\]|\\.)*)'\]`).FindAllStringSubmatch(string(src), -1) {
		page = append(page, entry{m[1], m[2], m[3] == "true", regexp.MustCompile(`\\(.)`).ReplaceAllString(m[4], "$1")})
	}

	raw, err := os.ReadFile("../../cmd/tenantry/testdata/openapi.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Items struct {
						Enum []string `json:"enum"`
					} `json:"items"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	api := doc.Components.Schemas["CreateInputBody"].Properties["scopes"].Items.Enum
	names := make([]string, 0, len(page))
	for _, e := range page {
		names = append(names, e.name)
	}
	if len(api) == 0 || !slices.Equal(names, api) {
		t.Fatalf("keys.js scopes %v\nthe API's scopes %v", names, api)
	}

	declared := map[string]tenancy.ScopeInfo{}
	for _, s := range slices.Concat(identity.ProfileScopes(), parking.Scopes(), identity.TeamScopes(), identity.MemberScopes(),
		audit.Scopes(), endpoints.Scopes(), apikeys.Scopes()) {
		declared[s.Name] = s
	}
	for _, e := range page {
		s, ok := declared[e.name]
		if !ok {
			t.Errorf("%s: no package declares it here (add its package's Scopes() to this test)", e.name)
			continue
		}
		if string(s.MinRole) != e.role || s.Default != e.def || s.Doc != e.doc {
			t.Errorf("%s: keys.js says %s/%v/%q, its package %s/%v/%q", e.name, e.role, e.def, e.doc, s.MinRole, s.Default, s.Doc)
		}
	}
}
