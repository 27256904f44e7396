package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// This file finishes the OpenAPI document once every operation is registered (Server.Handler):
// what the linters (make lint-openapi) and generated clients expect of it and what a route row
// need not repeat. Each operation's description ends with what its access declaration says; each
// error status gets an example problem of that status; the API-key scheme lists every scope of the
// catalogue. TestOpenAPIDocumented (cmd/tenantry) fails on an operation of the assembled service
// that is still undocumented.

// DescribeTag declares a tag of the OpenAPI document with its description. Every tag a route
// table uses (Routes.Tag) must be declared once, by the package that owns the table, before the
// server's Handler is built; TestOpenAPIDocumented (cmd/tenantry) fails on an undeclared one.
func DescribeTag(api huma.API, name, description string) {
	doc := api.OpenAPI()
	for _, t := range doc.Tags {
		if t.Name == name {
			t.Description = description
			return
		}
	}
	doc.Tags = append(doc.Tags, &huma.Tag{Name: name, Description: description})
}

// operations returns the document's operations in a stable order (path, then method).
func operations(doc *huma.OpenAPI) []*huma.Operation {
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var out []*huma.Operation
	for _, p := range paths {
		item := doc.Paths[p]
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete, item.Head, item.Options} {
			if op != nil {
				out = append(out, op)
			}
		}
	}
	return out
}

// finishDocument completes the document once every operation is registered. It runs once.
func finishDocument(doc *huma.OpenAPI, scopes tenancy.ScopeCatalogue) {
	if s, ok := doc.Components.SecuritySchemes["apiKey"]; ok {
		s.Description = apiKeySchemeDoc(scopes)
		catalogue := map[string]any{}
		for _, sc := range scopes.All() {
			catalogue[sc.Name] = sc.Doc
		}
		if s.Extensions == nil {
			s.Extensions = map[string]any{}
		}
		s.Extensions[ScopesExtension] = catalogue
	}
	slices.SortStableFunc(doc.Tags, func(a, b *huma.Tag) int { return strings.Compare(a.Name, b.Name) })
	for _, op := range operations(doc) {
		a, ok := AccessOf(op)
		if !ok {
			continue // CheckDeclared refuses the document
		}
		op.Description = strings.TrimSpace(strings.TrimSpace(op.Description) + "\n\n" + a.describe())
		finishUpdate(doc, op)
		exampleSuccess(doc.Components.Schemas, op)
		for code, r := range op.Responses {
			status, err := strconv.Atoi(code)
			if err != nil || status < 400 {
				continue
			}
			for _, mt := range r.Content {
				if mt.Example == nil && len(mt.Examples) == 0 {
					mt.Example = exampleProblem(status)
				}
			}
		}
	}
}

// ScopesExtension is the extension of the API-key security scheme that lists every scope a key
// can be given, with what it allows (OpenAPI has a scope list for OAuth 2 flows only; operations
// name their scope in AccessExtension).
const ScopesExtension = "x-tenantry-scopes"

func apiKeySchemeDoc(scopes tenancy.ScopeCatalogue) string {
	var b strings.Builder
	b.WriteString("A tenant API key (`tnr_key_…`), created with POST /api/v1/api-keys. Its scopes limit what it may do: " +
		"an operation that admits API keys names the scope it needs in `" + AccessExtension + ".scope` (and in its " +
		"description); a key never exceeds the role of the member who created it.\n\n| scope | lowest role | allows |\n| --- | --- | --- |\n")
	for _, s := range scopes.All() {
		def := ""
		if s.Default {
			def = " (default)"
		}
		fmt.Fprintf(&b, "| `%s`%s | %s | %s |\n", s.Name, def, s.MinRole, s.Doc)
	}
	return strings.TrimSpace(b.String())
}

// describe is the access paragraph of an operation's description.
func (a Access) describe() string {
	var s string
	switch a.Class {
	case Public:
		s = "**Access:** public: no credentials needed."
		if a.Viewer {
			s = "**Access:** public; a bearer token, when sent, names the signed-in viewer."
		}
		if a.Credential == ShareToken {
			s += " The path carries a share link's token: an unknown or revoked one answers 404, an expired one 410."
		}
	case Authenticated:
		s = "**Access:** any signed-in user (bearer token), with or without a tenant."
	case Platform:
		s = "**Access:** platform staff only."
	case Tenant, OwnerOnly:
		s = fmt.Sprintf("**Access:** members of the tenant with role %s or higher", a.Role)
		if a.Class == OwnerOnly {
			s += ", on their own objects only (another member's answer 404)"
		}
		if a.Scope != "" {
			s += fmt.Sprintf("; API keys with scope `%s`.", a.Scope)
		} else {
			s += "; API keys are refused."
		}
		switch a.Objects {
		case Visible:
			s += " The object must be visible to the caller (else 404)."
		case Editable:
			s += " The caller must see the object (else 404) and may change it (else 403)."
		case EditableOr404:
			s += " The caller must see the object and may change it (else 404)."
		}
	}
	return s + " Errors are application/problem+json."
}

// exampleDetails is the detail of each error status's example problem.
var exampleDetails = map[int]string{
	http.StatusBadRequest:            "the request could not be read",
	http.StatusUnauthorized:          "missing or invalid credentials",
	http.StatusForbidden:             "your role or key scope does not allow this",
	http.StatusNotFound:              "not found",
	http.StatusConflict:              "conflicts with the current state",
	http.StatusPreconditionFailed:    "the object has changed: its current ETag is not one of If-Match",
	http.StatusGone:                  "no longer available",
	http.StatusRequestEntityTooLarge: "request body is too large",
	http.StatusUnprocessableEntity:   "validation failed",
	http.StatusTooManyRequests:       "too many requests, retry later",
	http.StatusInternalServerError:   "internal error",
	http.StatusServiceUnavailable:    "unavailable for now, retry after the seconds of Retry-After",
}

// exampleProblem is the example body of an error status: what the server sends, field by field.
func exampleProblem(status int) *Problem {
	detail, ok := exampleDetails[status]
	if !ok {
		detail = strings.ToLower(http.StatusText(status))
	}
	p := newProblem(kindOfStatus(status), status, detail)
	if status == http.StatusUnprocessableEntity {
		p.Errors = []FieldProblem{{Location: "body.name", Message: "expected length <= 200"}}
	}
	return p
}

// exampleDepth bounds how deep exampleOf descends (recursive schemas: a graph's nodes).
const exampleDepth = 8

// exampleOf builds an example value of schema s: the field's own example (an `example` tag) or
// default where it has one, else a value of its type and format within its bounds. It reports
// false where it cannot make one (a pattern without an example).
func exampleOf(reg huma.Registry, s *huma.Schema, depth int) (any, bool) {
	if s == nil || depth > exampleDepth {
		return nil, false
	}
	if s.Ref != "" {
		return exampleOf(reg, reg.SchemaFromRef(s.Ref), depth+1)
	}
	switch {
	case len(s.Examples) > 0:
		return s.Examples[0], true
	case s.Default != nil:
		return s.Default, true
	case len(s.Enum) > 0:
		return s.Enum[0], true
	case len(s.OneOf) > 0:
		return exampleOf(reg, s.OneOf[0], depth+1)
	case len(s.AnyOf) > 0:
		return exampleOf(reg, s.AnyOf[0], depth+1)
	}
	switch s.Type {
	case huma.TypeObject:
		return exampleObject(reg, s, depth)
	case huma.TypeArray:
		item, ok := exampleOf(reg, s.Items, depth+1)
		if !ok {
			return nil, false
		}
		return []any{item}, true
	case huma.TypeString:
		return exampleString(s)
	case huma.TypeInteger, huma.TypeNumber:
		n := 1.0
		if s.Minimum != nil && n < *s.Minimum {
			n = *s.Minimum
		}
		if s.ExclusiveMinimum != nil && n <= *s.ExclusiveMinimum {
			n = *s.ExclusiveMinimum + 1
		}
		if s.Maximum != nil && n > *s.Maximum {
			n = *s.Maximum
		}
		return n, true
	case huma.TypeBoolean:
		return true, true
	case "": // any JSON value (json.RawMessage)
		return map[string]any{}, true
	}
	return nil, false
}

func exampleObject(reg huma.Registry, s *huma.Schema, depth int) (any, bool) {
	obj := map[string]any{}
	for name, p := range s.Properties {
		if (name == "default" || name == "example") && !slices.Contains(s.Required, name) {
			// Spectral takes an object with type and default (a flow node's) for a schema
			// wherever it is, examples included; the optional field is left out of the example.
			continue
		}
		v, ok := exampleOf(reg, p, depth+1)
		if !ok {
			if slices.Contains(s.Required, name) {
				return nil, false
			}
			continue
		}
		obj[name] = v
	}
	return obj, true
}

// exampleFormats are the example values of string formats.
var exampleFormats = map[string]string{
	"uuid":      "0193a4f2-6c1e-7b3d-9a52-5e8c1f2d3b4a",
	"date-time": "2026-03-14T09:30:00Z",
	"date":      "2026-03-14",
	"email":     "ana@example.com",
	"uri":       "https://example.com/",
	"ipv4":      "192.0.2.10",
	"ip":        "192.0.2.10",
	"duration":  "PT15M",
}

func exampleString(s *huma.Schema) (any, bool) {
	if v, ok := exampleFormats[s.Format]; ok {
		return v, true
	}
	if s.Pattern != "" {
		return nil, false
	}
	v := "text"
	if s.MinLength != nil && len(v) < *s.MinLength {
		v = strings.Repeat("x", *s.MinLength)
	}
	if s.MaxLength != nil && len(v) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v, true
}

// exampleSuccess sets the example of each JSON success response of op that has none, when one
// can be made that the schema accepts.
func exampleSuccess(reg huma.Registry, op *huma.Operation) {
	for code, r := range op.Responses {
		if !strings.HasPrefix(code, "2") {
			continue
		}
		for ct, mt := range r.Content {
			if !strings.Contains(ct, "json") || mt.Schema == nil || mt.Example != nil || len(mt.Examples) > 0 {
				continue
			}
			v, ok := exampleOf(reg, mt.Schema, 0)
			if !ok {
				continue
			}
			res := &huma.ValidateResult{}
			huma.Validate(reg, mt.Schema, huma.NewPathBuffer(nil, 0), huma.ModeReadFromServer, v, res)
			if len(res.Errors) == 0 {
				mt.Example = v
			}
		}
	}
}
