package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// Class is an operation's access class.
type Class string

// The access classes.
const (
	Public        Class = "public"        // anyone; no credentials read
	Authenticated Class = "authenticated" // any signed-in user, with or without a tenant
	Tenant        Class = "tenant"        // a member (or API key) of the tenant, with at least Role
	OwnerOnly     Class = "owner-only"    // like Tenant, and the handler filters by the calling user; API keys never
	Platform      Class = "platform"      // platform staff only
)

// AccessExtension is the OpenAPI extension field holding each operation's declaration.
const AccessExtension = "x-tenantry-access"

// Access is what every operation declares when it is registered: its class, the minimum member
// role and the API-key scope that admits a key ("" means API keys are refused).
type Access struct {
	Class Class
	Role  tenancy.Role
	Scope string
	// Viewer, on a Public operation only, reads an access token if the request sends one: a valid
	// one names the signed-in viewer (ViewerFrom), a missing or invalid one leaves the request
	// anonymous. The operation still answers everyone; nothing is refused for its credentials.
	Viewer bool
}

// Validate reports whether the declaration is complete. Whether its scope exists is checked
// against the scope catalogue when the server starts (CheckScopes).
func (a Access) Validate() error {
	if a.Viewer && a.Class != Public {
		return fmt.Errorf("class %s takes no optional viewer (public operations only)", a.Class)
	}
	switch a.Class {
	case Public, Authenticated, Platform:
		if a.Role != "" || a.Scope != "" {
			return fmt.Errorf("class %s takes no role or scope", a.Class)
		}
	case Tenant, OwnerOnly:
		if !a.Role.Valid() {
			return fmt.Errorf("class %s needs a minimum role", a.Class)
		}
		if a.Class == OwnerOnly && a.Scope != "" {
			return fmt.Errorf("owner-only operations admit no API key")
		}
	default:
		return fmt.Errorf("unknown access class %q", a.Class)
	}
	return nil
}

// Register adds an operation with its access declaration. It panics when the declaration is
// missing or incomplete, so a mistake stops the server at start-up. Handler errors are turned into
// problems here, before Huma sees them, so no error text reaches a client unclassified.
func Register[I, O any](api huma.API, log *slog.Logger, op huma.Operation, a Access, h func(context.Context, *I) (*O, error)) {
	if err := a.Validate(); err != nil {
		panic(fmt.Sprintf("httpapi: operation %s: %v", op.OperationID, err))
	}
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	ext := map[string]any{"class": a.Class, "role": a.Role, "scope": a.Scope}
	if a.Viewer {
		ext["viewer"] = true
	}
	op.Extensions[AccessExtension] = ext
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[accessKey] = a
	op.Security = securityOf(a)
	op.Errors = errorStatuses(a, op.Errors)
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, ProblemOf(ctx, log, err)
		}
		return out, nil
	})
}

const accessKey = "tenantry.access"

func securityOf(a Access) []map[string][]string {
	switch {
	case a.Class == Public && a.Viewer: // an access token is optional
		return []map[string][]string{{}, {"bearer": {}}}
	case a.Class == Public:
		return nil
	case a.Scope != "":
		return []map[string][]string{{"bearer": {}}, {"apiKey": {a.Scope}}}
	}
	return []map[string][]string{{"bearer": {}}}
}

func errorStatuses(a Access, declared []int) []int {
	out := slices.Clone(declared)
	add := func(s ...int) {
		for _, v := range s {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	add(http.StatusUnprocessableEntity, http.StatusTooManyRequests)
	if a.Class != Public {
		add(http.StatusUnauthorized, http.StatusForbidden)
	}
	slices.Sort(out)
	return out
}

// AccessOf returns the declaration of a registered operation.
func AccessOf(op *huma.Operation) (Access, bool) {
	if op == nil {
		return Access{}, false
	}
	a, ok := op.Metadata[accessKey].(Access)
	return a, ok
}

// CheckDeclared returns an error naming every operation in the document that has no access
// declaration (one registered with huma.Register directly, bypassing Register).
func CheckDeclared(api huma.API) error {
	var missing []string
	for path, item := range api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch, item.Head, item.Options} {
			if op == nil {
				continue
			}
			if _, ok := AccessOf(op); !ok {
				missing = append(missing, op.Method+" "+path)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("httpapi: operations without an access declaration: %v", missing)
	}
	return nil
}

// CheckScopes returns an error naming every operation whose API-key scope is not in the catalogue,
// so an operation that no key could ever be given stops the server at start-up.
func CheckScopes(api huma.API, scopes tenancy.ScopeCatalogue) error {
	var unknown []string
	for path, item := range api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch, item.Head, item.Options} {
			if a, ok := AccessOf(op); ok && a.Scope != "" {
				if _, known := scopes.Lookup(a.Scope); !known {
					unknown = append(unknown, fmt.Sprintf("%s %s (%s)", op.Method, path, a.Scope))
				}
			}
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("httpapi: operations whose API-key scope is not in the scope catalogue: %v", unknown)
	}
	return nil
}
