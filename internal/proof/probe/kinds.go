package probe

import (
	"net/http"
	"strings"
)

// Resource kinds are named from the document alone: a collection segment ("sites", "api-keys")
// names the kind of its items ("site", "api_key"), a parameter or field "site_id" refers to a
// site. The two reserved kinds are the tenant itself and users.
const (
	kindTenant = "tenant"
	kindUser   = "user"
)

// singular turns a collection segment into a kind name.
func singular(seg string) string {
	s := strings.ToLower(strings.ReplaceAll(seg, "-", "_"))
	switch {
	case strings.HasSuffix(s, "ies"):
		return s[:len(s)-3] + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "xes"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "ss"):
		return s
	case strings.HasSuffix(s, "s"):
		return s[:len(s)-1]
	}
	return s
}

// refKind returns the kind an id-like field or parameter name refers to: "site_id", "siteId",
// "site_ids" and "siteIds" refer to site; "created_by" and "owner_id" to a user. ok is false for
// names that are not references.
func refKind(name string) (kind string, many, ok bool) {
	n := name
	switch {
	case strings.HasSuffix(n, "_ids"):
		n, many = strings.TrimSuffix(n, "_ids"), true
	case strings.HasSuffix(n, "Ids"):
		n, many = strings.TrimSuffix(n, "Ids"), true
	case strings.HasSuffix(n, "_id"):
		n = strings.TrimSuffix(n, "_id")
	case strings.HasSuffix(n, "Id") && len(n) > 2:
		n = strings.TrimSuffix(n, "Id")
	case n == "created_by" || n == "updated_by":
		return kindUser, false, true
	default:
		return "", false, false
	}
	n = camelToSnake(n)
	switch n {
	case "owner", "actor", "creator", "member_user", "invited_by":
		return kindUser, many, true
	}
	return n, many, n != ""
}

func camelToSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// segments splits a path into its segments.
func segments(path string) []string { return strings.Split(strings.Trim(path, "/"), "/") }

// paramKind returns the kind a path parameter names: "{site_id}" a site, "{id}" an item of the
// collection before it. field is the object field the value comes from ("id", or the parameter's
// own name for a natural key such as "{slug}"). A reference below a collection whose kind ends
// with the referenced one names an item of the collection: "custom-steps/{step_id}" a custom
// step, not a step.
func paramKind(path, name string) (kind, field string) {
	collection := ""
	segs := segments(path)
	for i, s := range segs {
		if s == "{"+name+"}" && i > 0 {
			if _, isParam := paramName(segs[i-1]); !isParam {
				collection = singular(segs[i-1])
			}
		}
	}
	if k, _, ok := refKind(name); ok {
		if strings.HasSuffix(collection, "_"+k) {
			return collection, "id"
		}
		return k, "id"
	}
	switch {
	case collection == "":
		return "", ""
	case name == "id":
		return collection, "id"
	}
	return collection, name
}

// itemPath reports whether op's path ends with the one parameter that names an object of kind by
// its id ("/api/v1/sessions/{id}"), and the path.
func itemPath(op *Operation, kind string) bool {
	ps := op.pathParams()
	if len(ps) != 1 || !strings.HasSuffix(op.Path, "/{"+ps[0].Name+"}") {
		return false
	}
	k, field := paramKind(op.Path, ps[0].Name)
	return k == kind && field == "id"
}

// itemOp returns the operation with method on one object of kind ("GET /sessions/{id}").
func (d *Document) itemOp(kind, method string) *Operation {
	for _, op := range d.Ops {
		if op.Method == method && itemPath(op, kind) {
			return op
		}
	}
	return nil
}

// naturalKey is the field that names objects of kind in their item path when it is not an id
// ("version" for "/flows/{id}/versions/{version}"), or "".
func (d *Document) naturalKey(kind string) string {
	for _, op := range d.Ops {
		if ps := op.pathParams(); len(ps) > 0 {
			if k, field := paramKind(op.Path, ps[len(ps)-1].Name); k == kind && field != "id" {
				return field
			}
		}
	}
	return ""
}

// opKind is the kind an operation is about: the last collection segment of its path.
func (d *Document) opKind(path string) string {
	segs := segments(path)
	for i := len(segs) - 1; i >= 0; i-- {
		if _, isParam := paramName(segs[i]); isParam {
			continue
		}
		// An action ("/spaces/{id}/cancel") is about the item before it; a collection below an
		// item ("/sessions/{id}/shares") names its own kind.
		if i > 0 && i == len(segs)-1 && !d.isCollection(path) {
			if _, prevParam := paramName(segs[i-1]); prevParam {
				continue
			}
		}
		return singular(segs[i])
	}
	return ""
}

// isAuthFlow reports operations of the sign-in flow (register, login, refresh, logout, ...),
// which the probe calls with generated credentials rather than as a principal of the world.
func isAuthFlow(op *Operation) bool { return strings.Contains(op.Path, "/auth/") }

// isCollection reports whether path ends in a literal segment that names a collection: the
// document has an item path below it, or a GET on it, or the segment names a collection elsewhere
// ("/sessions/{id}/shares" makes the links that "/shares/{id}" names).
func (d *Document) isCollection(path string) bool {
	segs := segments(path)
	last := segs[len(segs)-1]
	if _, isParam := paramName(last); isParam {
		return false
	}
	for _, op := range d.Ops {
		if op.Method == http.MethodGet && op.Path == path || strings.Contains(op.Path, "/"+last+"/{") {
			return true
		}
		if rest, ok := strings.CutPrefix(op.Path, path+"/"); ok {
			if first := strings.SplitN(rest, "/", 2)[0]; strings.HasPrefix(first, "{") {
				return true
			}
		}
	}
	return false
}

// isCreate reports a create operation: a POST on a collection that answers with an id.
func (d *Document) isCreate(op *Operation) bool {
	if op.Method != http.MethodPost || isAuthFlow(op) || !d.isCollection(op.Path) {
		return false
	}
	return findSchemaID(d, d.resolve(op.Success), 0)
}

func findSchemaID(d *Document, s *Schema, depth int) bool {
	if s == nil || depth > 3 {
		return false
	}
	if _, ok := s.Properties["id"]; ok {
		return true
	}
	for _, p := range s.Properties {
		if findSchemaID(d, d.resolve(p), depth+1) {
			return true
		}
	}
	return false
}

// isList reports a GET on a collection (a list, search or export of the collection's items).
func (d *Document) isList(op *Operation) bool {
	return op.Method == http.MethodGet && d.isCollection(op.Path)
}
