package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

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
	// Objects, on a Tenant operation whose path names an object with a visibility, is what the
	// operation needs of that object beyond the tenant (see Objects); "" means nothing: every
	// member the role admits reaches every object of the tenant.
	Objects Objects
	// Credential, on a Public operation only, says that its path parameter is a credential of that
	// kind rather than an id, and which rules open it (see Credential).
	Credential Credential
	// Withholds, with Credential only, names fields of the object the credential was made for (as
	// its owner reads them) whose values the answer never carries: a comma-separated list, so that
	// declarations stay comparable; the document publishes it as an array.
	Withholds string
}

// Objects is what an operation needs of the object its path names, for objects with a
// visibility and an author. The visibility field says who sees the object: private, its author
// only; account, every member of the tenant; team, the members of its team. Who may change an
// object they see is the product's rule; its author always may.
type Objects string

// The object rules.
const (
	// Visible means the caller must see the object. One they cannot see answers the 404 of a
	// random id (byte-identical); reading or using a visible one (a copy, a rating) succeeds.
	Visible Objects = "visible"
	// Editable means the caller must see the object (else the 404 of a random id) and may change
	// it; a member who sees it but may not change it gets 403, since its existence is no secret to
	// them.
	Editable Objects = "editable"
	// EditableOr404 is like Editable, but a member who sees the object and may not change it gets
	// the 404 of a random id as well.
	EditableOr404 Objects = "editable-or-404"
)

// Credential is the kind of secret a Public operation's path carries in place of an id.
type Credential string

// ShareToken says the path parameter is a share link's token. The create operation of the link's
// kind answers with the token and the link's visibility (public or account) and takes an optional
// expires_at; the kind's DELETE revokes the link. Opening it: an unknown or revoked token answers
// the same 404; an expired one 410; an account link answers 401 without a signed-in viewer, 403
// to a member of another tenant and 200 to a member of its tenant; a public link answers 200 to
// anyone. The answer never carries the Withholds fields of the shared object.
const ShareToken Credential = "share-token"

// SurveyToken says the path parameter is a satisfaction survey's token: handed out once, in the
// answer that completed its session, and answered once. Answering with an unknown token (malformed,
// never issued, or of a tenant that is not active) answers the same 404 to everyone, whoever sends
// it and whatever tenant they are signed in to; the token, not the caller, names the tenant.
const SurveyToken Credential = "survey-token"

// Validate reports whether the declaration is complete. Whether its scope exists is checked
// against the scope catalogue when the server starts (CheckScopes).
func (a Access) Validate() error {
	if a.Viewer && a.Class != Public {
		return fmt.Errorf("class %s takes no optional viewer (public operations only)", a.Class)
	}
	if err := a.validateExtras(); err != nil {
		return err
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

// validateExtras checks the fields that only some classes take: Objects, Credential, Withholds.
func (a Access) validateExtras() error {
	switch {
	case a.Objects != "" && a.Class != Tenant:
		return fmt.Errorf("class %s takes no object rule (tenant operations only)", a.Class)
	case !slices.Contains([]Objects{"", Visible, Editable, EditableOr404}, a.Objects):
		return fmt.Errorf("unknown object rule %q", a.Objects)
	case a.Credential != "" && a.Class != Public:
		return fmt.Errorf("class %s takes no credential (public operations only)", a.Class)
	case a.Credential != "" && a.Credential != ShareToken && a.Credential != SurveyToken:
		return fmt.Errorf("unknown credential %q", a.Credential)
	case a.Withholds != "" && a.Credential == "":
		return errors.New("withheld fields need a credential")
	}
	return nil
}

// extension is the declaration as the OpenAPI document publishes it (AccessExtension).
func (a Access) extension() map[string]any {
	ext := map[string]any{"class": a.Class, "role": a.Role, "scope": a.Scope}
	if a.Viewer {
		ext["viewer"] = true
	}
	if a.Objects != "" {
		ext["objects"] = a.Objects
	}
	if a.Credential != "" {
		ext["credential"] = a.Credential
	}
	if a.Withholds != "" {
		ext["withholds"] = strings.Split(a.Withholds, ",")
	}
	return ext
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
	op.Extensions[AccessExtension] = a.extension()
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[accessKey] = a
	op.Security = securityOf(a)
	op.Errors = errorStatuses(a, op.Errors)
	if Creates(&op) {
		documentCreate(&op)
	}
	if readsOne(&op) {
		documentRead(&op)
	}
	if updatesOne(&op) {
		documentUpdate(&op)
	}
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, ProblemOf(ctx, log, err)
		}
		return out, nil
	})
}

const accessKey = "tenantry.access"

// locationKey holds a create's Location template in its operation's metadata (Routes.Location).
const locationKey = "tenantry.location"

// documentCreate declares what every create takes and answers besides its own input and output:
// the Idempotency-Key header, and the Location and Idempotent-Replayed headers of its 201. A
// create without a Location template cannot be registered.
func documentCreate(op *huma.Operation) {
	if loc, _ := op.Metadata[locationKey].(string); loc == "" {
		panic(fmt.Sprintf("httpapi: operation %s creates (201) but declares no Location (Routes.Location)", op.OperationID))
	}
	one, most := 1, 255
	op.Parameters = append(op.Parameters, &huma.Param{
		Name: IdempotencyKeyHeader, In: "header",
		Description: "A key of your choice (1 to 255 visible ASCII characters) that makes a retry safe: for 24 hours, " +
			"the same key with the same request answers the original response (with " + ReplayedHeader + ": true) " +
			"instead of creating again; the same key with another request answers 422. Keys are kept per tenant and caller.",
		Schema: &huma.Schema{Type: huma.TypeString, MinLength: &one, MaxLength: &most},
	})
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	created := op.Responses["201"]
	if created == nil {
		created = &huma.Response{}
		op.Responses["201"] = created
	}
	if created.Headers == nil {
		created.Headers = map[string]*huma.Header{}
	}
	created.Headers["Location"] = &huma.Header{Description: "The URL of the created object",
		Schema: &huma.Schema{Type: huma.TypeString, Format: "uri-reference"}}
	created.Headers[ReplayedHeader] = &huma.Header{Description: "true when this is the stored response of an earlier request with the same Idempotency-Key",
		Schema: &huma.Schema{Type: huma.TypeString, Enum: []any{"true"}}}
}

func securityOf(a Access) []map[string][]string {
	switch {
	case a.Class == Public && a.Viewer: // an access token is optional
		return []map[string][]string{{}, {"bearer": {}}}
	case a.Class == Public:
		return []map[string][]string{} // security: [], no credentials (not the document's default)
	case a.Scope != "":
		// The scope is in AccessExtension and the description: OpenAPI lists scopes only for
		// OAuth 2 flows, so the API-key scheme's own list is an extension (ScopesExtension).
		return []map[string][]string{{"bearer": {}}, {"apiKey": {}}}
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
