package app_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// declaredOp is one operation of the OpenAPI document with its access declaration.
type declaredOp struct {
	method, path string
	access       httpapi.Access
}

func declaredOps(t *testing.T, s *apitest.Server) []declaredOp {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Access *struct {
				Class, Role, Scope string
			} `json:"x-tenantry-access"`
		}
	}
	if err := json.Unmarshal(s.Do("GET", "/openapi.json", "", nil).Body, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []declaredOp
	for path, methods := range doc.Paths {
		for method, op := range methods {
			if op.Access == nil {
				t.Fatalf("%s %s has no access declaration", method, path)
			}
			ops = append(ops, declaredOp{strings.ToUpper(method), path, httpapi.Access{Class: httpapi.Class(op.Access.Class),
				Role: tenancy.Role(op.Access.Role), Scope: op.Access.Scope}})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// principal is one kind of caller of the matrix, with its credential header.
type principal struct {
	name          string
	bearer, key   string
	role          tenancy.Role // member role, or the key's ceiling
	isKey, broken bool         // an API key; a credential that must be refused (revoked, expired, malformed)
	scopes        []string
}

// expectAdmitted is the policy the matrix checks, written out independently of httpapi.admit.
func expectAdmitted(a httpapi.Access, p principal) (admitted bool, status int) {
	anonymous := p.bearer == "" && p.key == ""
	switch {
	case a.Class == httpapi.Public:
		return true, 0
	case anonymous || p.broken:
		return false, 401
	case a.Class == httpapi.Platform:
		return false, 403
	case a.Class == httpapi.Authenticated:
		return !p.isKey, 403
	case p.isKey && (a.Class == httpapi.OwnerOnly || a.Scope == "" || !slices.Contains(p.scopes, a.Scope)):
		return false, 403
	}
	return p.role.AtLeast(a.Role), 403
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestAccessMatrix checks every declared operation against every principal kind. Authorization runs
// before input is parsed, so a refused caller gets exactly 401 or 403 and an admitted one anything
// else (random ids and an empty body then give 404 or 422).
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) {
		// The matrix sends hundreds of refused credentials from one address on purpose.
		c.RateLimits[ratelimit.AuthFailure] = ratelimit.Limit{Rate: 100_000, Period: time.Minute, Burst: 100_000}
	}})
	m := s.Mailer()
	owner := s.Register("mat")
	ps := []principal{{name: "anonymous"}}
	for _, role := range []string{"viewer", "operator", "admin"} {
		a := s.AddMember(m, owner, "m-"+role, role)
		ps = append(ps, principal{name: role, bearer: a.Access, role: tenancy.Role(role)})
	}
	ps = append(ps, principal{name: "owner", bearer: owner.Access, role: tenancy.RoleOwner})
	keyWith := func(name string, scopes ...string) string {
		st, k := s.CreateKey(owner, map[string]any{"name": name, "scopes": scopes})
		if st != 201 {
			t.Fatalf("key %s: %d", name, st)
		}
		return k["key"].(string)
	}
	revoked := keyWith("revoked", "tenant:read")
	s.SuperExec(`UPDATE api_keys SET revoked_at = now() WHERE name = 'revoked'`)
	expired := keyWith("expired", "tenant:read")
	s.SuperExec(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE name = 'expired'`)
	ps = append(ps,
		principal{name: "revoked key", key: revoked, isKey: true, broken: true},
		principal{name: "expired key", key: expired, isKey: true, broken: true},
		principal{name: "malformed key", key: "tnr_key_" + strings.Repeat("x", 92), isKey: true, broken: true})
	checked := 0
	for _, op := range declaredOps(t, s) {
		keys := []principal{}
		if op.access.Scope != "" {
			keys = append(keys, principal{name: "key with " + op.access.Scope, key: keyWith("with-"+op.method+op.path, op.access.Scope),
				isKey: true, role: tenancy.RoleOwner, scopes: []string{op.access.Scope}})
		}
		other := "tenant:read"
		if op.access.Scope == other {
			other = "audit:read"
		}
		keys = append(keys, principal{name: "key with only " + other, key: keyWith("without-"+op.method+op.path, other),
			isKey: true, role: tenancy.RoleOwner, scopes: []string{other}})
		for _, p := range append(slices.Clone(ps), keys...) {
			path := pathParam.ReplaceAllStringFunc(op.path, func(string) string { return uuid.NewString() })
			var body any
			if op.method == "POST" || op.method == "PATCH" || op.method == "PUT" {
				body = "{}"
			}
			headers := []string{}
			if p.key != "" {
				headers = append(headers, "X-API-Key", p.key)
			}
			r := s.Do(op.method, path, p.bearer, body, headers...)
			admitted, want := expectAdmitted(op.access, p)
			refused := r.Status == 401 || r.Status == 403
			switch {
			case admitted && refused:
				t.Errorf("%s %s as %s: %d, want admission (%+v)", op.method, op.path, p.name, r.Status, op.access)
			case !admitted && r.Status != want:
				t.Errorf("%s %s as %s: %d, want %d (%+v)", op.method, op.path, p.name, r.Status, want, op.access)
			case r.Status >= 500:
				t.Errorf("%s %s as %s: %d %s", op.method, op.path, p.name, r.Status, r.Body)
			}
			checked++
		}
	}
	t.Logf("%d operation × principal cases checked", checked)
}
