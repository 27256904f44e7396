package httpapi

import (
	"net/http"
	"regexp"

	"github.com/danielgtaylor/huma/v2"
)

// secretName matches the names of response properties that carry a credential or a secret:
// token, secret, key or password, alone or as the last word of a snake_case name (access_token,
// refresh_token). token_type or has_ingest_secret do not match.
var secretName = regexp.MustCompile(`(^|_)(token|secret|key|password)$`)

// CarriesSecret reports whether a response of op can carry a credential or a secret, judged from
// its response schemas in the document oapi: a string property, at any depth, named like one
// (secretName). Such responses are sent with Cache-Control: no-store.
func CarriesSecret(oapi *huma.OpenAPI, op *huma.Operation) bool {
	var reg huma.Registry
	if oapi.Components != nil {
		reg = oapi.Components.Schemas
	}
	seen := map[*huma.Schema]bool{}
	for _, r := range op.Responses {
		for _, mt := range r.Content {
			if mt != nil && schemaCarriesSecret(reg, mt.Schema, seen) {
				return true
			}
		}
	}
	return false
}

// schemaCarriesSecret walks s (following references, items and compositions) for a secret-named
// string property; seen stops cycles.
func schemaCarriesSecret(reg huma.Registry, s *huma.Schema, seen map[*huma.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	if s.Ref != "" && reg != nil {
		return schemaCarriesSecret(reg, reg.SchemaFromRef(s.Ref), seen)
	}
	for name, p := range s.Properties {
		if p != nil && secretName.MatchString(name) && isString(reg, p) {
			return true
		}
		if schemaCarriesSecret(reg, p, seen) {
			return true
		}
	}
	for _, sub := range append([]*huma.Schema{s.Items}, append(append(s.OneOf, s.AnyOf...), s.AllOf...)...) {
		if schemaCarriesSecret(reg, sub, seen) {
			return true
		}
	}
	return false
}

// isString reports whether p (or the schema it refers to) is a string.
func isString(reg huma.Registry, p *huma.Schema) bool {
	if p.Ref != "" && reg != nil {
		p = reg.SchemaFromRef(p.Ref)
	}
	return p != nil && p.Type == huma.TypeString
}

// secretOperations returns the ids of the operations in oapi whose responses carry a secret.
func secretOperations(oapi *huma.OpenAPI) map[string]bool {
	out := map[string]bool{}
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch, item.Head, item.Options} {
			if op != nil && CarriesSecret(oapi, op) {
				out[op.OperationID] = true
			}
		}
	}
	return out
}

// noStore is the Huma middleware that marks every response of a secret-bearing operation (its
// errors included) Cache-Control: no-store, so no cache or browser history keeps a token. secret
// is filled in by Server.Handler, once every operation is registered and before any is served.
func noStore(secret *map[string]bool) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if (*secret)[ctx.Operation().OperationID] {
			ctx.SetHeader("Cache-Control", "no-store")
		}
		next(ctx)
	}
}

// securityHeaders are set on every response, whatever answers it (operations, errors, health,
// metrics, docs, unknown paths): no content-type sniffing.
func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
}
