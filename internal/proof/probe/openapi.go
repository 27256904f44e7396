package probe

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Schema is the subset of a JSON Schema (OpenAPI 3.1) the probe reads to generate values.
type Schema struct {
	Ref                  string             `json:"$ref"`
	Type                 typeList           `json:"type"`
	Format               string             `json:"format"`
	Pattern              string             `json:"pattern"`
	Enum                 []any              `json:"enum"`
	Properties           map[string]*Schema `json:"properties"`
	Required             []string           `json:"required"`
	Items                *Schema            `json:"items"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	MinItems             *int               `json:"minItems"`
	Default              any                `json:"default"`
	Examples             []any              `json:"examples"`
	Example              any                `json:"example"`
	OneOf                []*Schema          `json:"oneOf"`
	AnyOf                []*Schema          `json:"anyOf"`
	AllOf                []*Schema          `json:"allOf"`
	ReadOnly             bool               `json:"readOnly"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
}

// typeList reads "type" as either a string or an array of strings (3.1 nullable types).
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*t = typeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*t = many
	return nil
}

// is reports whether the schema's type (ignoring "null") is name.
func (s *Schema) is(name string) bool {
	if s == nil {
		return false
	}
	for _, t := range s.Type {
		if t == name {
			return true
		}
	}
	return len(s.Type) == 0 && name == "object" && s.Properties != nil
}

// example returns the schema's first example.
func (s *Schema) example() (any, bool) {
	if s == nil {
		return nil, false
	}
	if len(s.Examples) > 0 {
		return s.Examples[0], true
	}
	if s.Example != nil {
		return s.Example, true
	}
	return nil, false
}

// Access is an operation's declaration from the x-tenantry-access extension (docs/access.md).
type Access struct {
	Class  string `json:"class"`
	Role   string `json:"role"`
	Scope  string `json:"scope"`
	Viewer bool   `json:"viewer"` // a public operation that reads an optional access token
	// Objects is what the operation needs of the object its path names: "visible", "editable"
	// (403 when seen but not editable) or "editable-or-404".
	Objects string `json:"objects"`
	// Credential says a public operation's path parameter is a credential ("share-token").
	Credential string `json:"credential"`
	// Withholds names fields of the object the credential was made for that its answer never carries.
	Withholds []string `json:"withholds"`
}

// Param is a path or query parameter.
type Param struct {
	Name     string  `json:"name"`
	In       string  `json:"in"`
	Required bool    `json:"required"`
	Schema   *Schema `json:"schema"`
	Example  any     `json:"example"`
}

// Operation is one operation of the document.
type Operation struct {
	ID, Method, Path string
	Access           Access
	Declared         bool // the operation carries x-tenantry-access
	Params           []Param
	Body             *Schema // the JSON request body, nil when there is none
	BodyExample      any     // an operation-level request example the probe prefers
	Success          *Schema // the 2xx response body
	SuccessStatus    int     // the documented 2xx status
	KeyHeader        string  // the header that carries an API key, when the operation admits keys
}

func (o *Operation) String() string { return o.Method + " " + o.Path }

// pathParams returns the path parameters in the order they appear in the path.
func (o *Operation) pathParams() []Param {
	var out []Param
	for _, seg := range strings.Split(o.Path, "/") {
		if name, ok := paramName(seg); ok {
			for _, p := range o.Params {
				if p.In == "path" && p.Name == name {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func paramName(seg string) (string, bool) {
	if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// Document is a parsed OpenAPI document.
type Document struct {
	Ops     []*Operation
	schemas map[string]*Schema
	// scopes documented as enums of an API-key scope list, or named by a declaration.
	Scopes []string
}

type rawDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]*Schema `json:"schemas"`
		SecuritySchemes map[string]struct {
			Type string `json:"type"`
			In   string `json:"in"`
			Name string `json:"name"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

type rawOp struct {
	OperationID string                `json:"operationId"`
	Parameters  []Param               `json:"parameters"`
	Access      *Access               `json:"x-tenantry-access"`
	Security    []map[string][]string `json:"security"`
	RequestBody *struct {
		Content map[string]struct {
			Schema   *Schema                        `json:"schema"`
			Example  any                            `json:"example"`
			Examples map[string]struct{ Value any } `json:"examples"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema *Schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// ParseDocument reads an OpenAPI 3.x document.
func ParseDocument(raw []byte) (*Document, error) {
	var rd rawDoc
	if err := json.Unmarshal(raw, &rd); err != nil {
		return nil, fmt.Errorf("probe: openapi: %w", err)
	}
	d := &Document{schemas: rd.Components.Schemas}
	for path, item := range rd.Paths {
		for _, m := range methods {
			jop, ok := item[strings.ToLower(m)]
			if !ok {
				continue
			}
			var ro rawOp
			if err := json.Unmarshal(jop, &ro); err != nil {
				return nil, fmt.Errorf("probe: openapi: %s %s: %w", m, path, err)
			}
			op := &Operation{ID: ro.OperationID, Method: m, Path: path, Params: ro.Parameters}
			if ro.Access != nil {
				op.Access, op.Declared = *ro.Access, true
			}
			for _, alt := range ro.Security {
				for name := range alt {
					if s, ok := rd.Components.SecuritySchemes[name]; ok && s.Type == "apiKey" && s.In == "header" {
						op.KeyHeader = s.Name
					}
				}
			}
			if ro.RequestBody != nil {
				// A raw body (an upload's bytes) is sent as the JSON text of a generated string:
				// text is a file like any other, and its canary is the file's content.
				if c, ok := ro.RequestBody.Content["application/octet-stream"]; ok && c.Schema != nil {
					op.Body = c.Schema
				}
				if c, ok := ro.RequestBody.Content["application/json"]; ok {
					op.Body = c.Schema
					op.BodyExample = c.Example
					for _, ex := range c.Examples {
						if op.BodyExample == nil {
							op.BodyExample = ex.Value
						}
					}
				}
			}
			for code, r := range ro.Responses {
				if strings.HasPrefix(code, "2") {
					op.SuccessStatus, _ = strconv.Atoi(code)
					for ct, c := range r.Content {
						if strings.Contains(ct, "json") {
							op.Success = c.Schema
						}
					}
				}
			}
			d.Ops = append(d.Ops, op)
		}
	}
	slices.SortFunc(d.Ops, func(a, b *Operation) int { return strings.Compare(a.String(), b.String()) })
	d.Scopes = d.documentedScopes()
	return d, nil
}

// resolve follows $ref (and a single allOf, as some generators wrap refs) to the schema itself.
func (d *Document) resolve(s *Schema) *Schema {
	for i := 0; s != nil && i < 16; i++ {
		switch {
		case s.Ref != "":
			s = d.schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		case len(s.AllOf) == 1 && s.Properties == nil:
			s = s.AllOf[0]
		default:
			return s
		}
	}
	return s
}

// documentedScopes is every API-key scope the document names: the enums of "scopes" arrays in
// request bodies, and the scopes of the access declarations.
func (d *Document) documentedScopes() []string {
	set := map[string]bool{}
	for _, op := range d.Ops {
		if op.Access.Scope != "" {
			set[op.Access.Scope] = true
		}
		if b := d.resolve(op.Body); b != nil {
			if s := d.resolve(b.Properties["scopes"]); s != nil {
				if items := d.resolve(s.Items); items != nil {
					for _, e := range items.Enum {
						if str, ok := e.(string); ok {
							set[str] = true
						}
					}
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
