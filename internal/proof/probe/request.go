package probe

import (
	"encoding/json"
	mrand "math/rand/v2"
	"net/url"
	"strconv"
	"strings"
)

func rnd() *mrand.Rand {
	return mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
}

// Slot is one place in a request that names an object: a path or query parameter, or a body
// field.
type Slot struct {
	In    string   // "path", "query" or "body"
	Name  string   // the parameter name, or the dotted body location
	Path  []string // the body location
	Kind  string   // the kind of object it names
	Field string   // the object field that fills it: "id", or a natural key such as "slug"
	Many  bool     // an array of ids
}

// template is an operation's request with its slots marked: filled with one tenant's objects it is
// valid; with some slots replaced it is an attack.
type template struct {
	op    *Operation
	slots []Slot
	query url.Values
	body  any
}

// value returns the text of an object field ("" when it has none); a number is written as JSON
// writes it.
func (o *Object) value(field string) string {
	if field == "id" || field == "" {
		return o.ID
	}
	switch v := o.Fields[field].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// assign picks, for every slot, an object of t, consistently: a child's parents fill the parent
// slots, so /sites/{site_id}/spaces/{id} gets a space and the site it belongs to. inst selects
// the first (0) or second (1) object of each kind. ok is false when t has no object for a slot.
func (t *Tenant) assign(slots []Slot, inst int) (map[string]string, bool) {
	out := map[string]string{}
	parents := map[string]string{}
	order := make([]Slot, 0, len(slots))
	for i := len(slots) - 1; i >= 0; i-- { // the innermost path slot first
		if slots[i].In == "path" {
			order = append(order, slots[i])
		}
	}
	for _, s := range slots {
		if s.In != "path" {
			order = append(order, s)
		}
	}
	for _, s := range order {
		if id, ok := parents[s.Kind]; ok && s.Field == "id" {
			out[s.Name] = id
			continue
		}
		objs := t.objects(s.Kind)
		if len(objs) == 0 {
			return nil, false
		}
		o := objs[min(inst, len(objs)-1)]
		v := o.value(s.Field)
		if v == "" {
			return nil, false
		}
		out[s.Name] = v
		for k, id := range o.Parents {
			if _, have := parents[k]; !have {
				parents[k] = id
			}
		}
		if _, have := parents[s.Kind]; !have && s.Field == "id" {
			parents[s.Kind] = o.ID
		}
	}
	return out, true
}

// request fills the template: values are keyed by slot name; a slot without a value keeps what
// the template has (the body) or gets a random id (path and query).
func (tp *template) request(values map[string]string) Request {
	r := Request{Method: tp.op.Method, Path: tp.op.Path, Query: url.Values{}}
	for k, v := range tp.query {
		r.Query[k] = v
	}
	body := clone(tp.body)
	for _, s := range tp.slots {
		v, ok := values[s.Name]
		switch s.In {
		case "path":
			if !ok {
				v = randomUUID()
			}
			r.Path = strings.Replace(r.Path, "{"+s.Name+"}", url.PathEscape(v), 1)
		case "query":
			if !ok {
				v = randomUUID()
			}
			r.Query.Set(s.Name, v)
		case "body":
			if ok {
				var val any = v
				if s.Many {
					val = []any{v}
				}
				body = setAt(body, s.Path, val)
			}
		}
	}
	if tp.op.Body != nil {
		if body == nil {
			body = map[string]any{}
		}
		r.Body = body
	}
	return r
}

// randomValues gives every slot a random value: an id no tenant has, or for a natural key a value
// of the form of like's (a real request's values).
func (tp *template) randomValues(like map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range tp.slots {
		out[s.Name] = s.random(like[s.Name])
	}
	return out
}

// random returns a value for the slot that names no object: a random id, or a lookalike of a
// natural key (a version number, a token).
func (s Slot) random(like string) string {
	if s.Field == "id" || like == "" {
		return randomUUID()
	}
	return lookalike(like)
}

func clone(v any) any {
	if v == nil {
		return nil
	}
	raw, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// setAt sets the value at path in a JSON tree, creating objects on the way.
func setAt(v any, path []string, val any) any {
	if len(path) == 0 {
		return val
	}
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	m[path[0]] = setAt(m[path[0]], path[1:], val)
	return m
}
