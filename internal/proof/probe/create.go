package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// template builds op's request for tenant t: path and query slots from the document, a body
// generated from the schema (completed by the operation's example) whose reference fields name
// t's objects.
// unresolved lists path parameters that name no kind of resource.
func (w *World) template(op *Operation, t *Tenant, inst int) (*template, []string) {
	return w.templateWith(op, t, inst, true)
}

// templateWith is template; example says whether the operation's request example, when it has
// one, fills in what the generated body leaves out.
func (w *World) templateWith(op *Operation, t *Tenant, inst int, example bool) (*template, []string) {
	tp := &template{op: op, query: url.Values{}}
	var unresolved []string
	for _, p := range op.pathParams() {
		kind, field := paramKind(op.Path, p.Name)
		if kind == "" {
			unresolved = append(unresolved, fmt.Sprintf("path parameter {%s} names no resource kind", p.Name))
			continue
		}
		tp.slots = append(tp.slots, Slot{In: "path", Name: p.Name, Kind: kind, Field: field})
	}
	g := w.gen(t, nil)
	var names []string
	for _, p := range op.Params {
		if p.In != "query" {
			continue
		}
		if kind, _, ok := refKind(p.Name); ok && len(w.A.objects(kind)) > 0 {
			tp.slots = append(tp.slots, Slot{In: "query", Name: p.Name, Kind: kind, Field: "id"})
			continue
		}
		if p.Required {
			v, _ := g.value(p.Name, p.Schema, nil)
			if p.Example != nil {
				v = p.Example
			}
			tp.query.Set(p.Name, fmt.Sprint(v))
			names = append(names, p.Name)
		}
	}
	closeWindows(func(n string) (string, bool) { return tp.query.Get(n), tp.query.Has(n) }, tp.query.Set, names)
	chosen, _ := t.assign(tp.slots, inst)
	byKind := map[string]string{}
	for _, s := range tp.slots {
		if v, ok := chosen[s.Name]; ok && s.Field == "id" {
			byKind[s.Kind] = v
		}
	}
	g.ref = func(kind string) string {
		if v, ok := byKind[kind]; ok {
			return v
		}
		if objs := t.objects(kind); len(objs) > 0 {
			return objs[min(inst, len(objs)-1)].ID
		}
		return ""
	}
	if op.Body != nil {
		tp.body, _ = g.value("", op.Body, nil)
		if op.BodyExample != nil && example {
			tp.body = fillIn(tp.body, g.fromExample(clone(op.BodyExample), nil))
		}
		tp.slots = append(tp.slots, uniqueSlots(g.slots)...)
	}
	return tp, unresolved
}

// fillIn adds to a generated body what the example has and the body lacks (an optional structure
// such as a flow's graph, or the items of a list generated empty), recursively through objects;
// generated values (canaries, the world's ids) stay.
func fillIn(body, example any) any {
	b, ok := body.(map[string]any)
	ex, exOK := example.(map[string]any)
	if !ok || !exOK {
		if arr, isArr := body.([]any); body == nil || isArr && len(arr) == 0 {
			return example // an empty generated list lacks what the example's items show
		}
		return body
	}
	for k, v := range ex {
		b[k] = fillIn(b[k], v)
	}
	return b
}

// uniqueSlots drops the repeats of a slot (a field both generated and in the example).
func uniqueSlots(slots []Slot) []Slot {
	var out []Slot
	seen := map[string]bool{}
	for _, s := range slots {
		if !seen[s.In+" "+s.Name] {
			seen[s.In+" "+s.Name] = true
			out = append(out, s)
		}
	}
	return out
}

// fromExample replaces the reference fields of an operation's example with the world's ids.
func (g *gen) fromExample(v any, path []string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for _, k := range sortedKeys(m) {
		p := append(path[:len(path):len(path)], k)
		if kind, many, isRef := refKind(k); isRef {
			if id := g.ref(kind); id != "" {
				g.slots = append(g.slots, Slot{In: "body", Name: strings.Join(p, "."), Path: p, Kind: kind, Field: "id", Many: many})
				if many {
					m[k] = []any{id}
				} else {
					m[k] = id
				}
				continue
			}
		}
		m[k] = g.fromExample(m[k], p)
	}
	return m
}

// bodyDeps returns the kinds a create operation's required body fields refer to.
func (w *World) bodyDeps(s *Schema, depth int) []string {
	s = w.doc.resolve(s)
	if s == nil || depth > 4 {
		return nil
	}
	var out []string
	for _, name := range s.Required {
		if kind, _, ok := refKind(name); ok {
			out = append(out, kind)
			continue
		}
		out = append(out, w.bodyDeps(s.Properties[name], depth+1)...)
	}
	return out
}

// producibleKinds are the kinds some create or list operation yields.
func (w *World) producibleKinds() map[string]bool {
	out := map[string]bool{kindTenant: true, kindUser: true}
	for _, op := range w.doc.Ops {
		if w.doc.isCreate(op) || w.doc.isList(op) {
			out[w.doc.opKind(op.Path)] = true
		}
	}
	return out
}

// createAll walks the create operations in dependency order and makes two objects of every kind
// in each tenant. When no create can proceed, it runs the producers and lists once, then tries
// again. What cannot be made is listed as missing, with the reason.
func (w *World) createAll(ctx context.Context) {
	var pending []*Operation
	for _, op := range w.doc.Ops {
		if w.doc.isCreate(op) && op != w.keyOp() && !isInvitation(op) {
			pending = append(pending, op)
		}
	}
	producible := w.producibleKinds()
	discovered := false
	for len(pending) > 0 {
		progress := false
		for _, op := range slices.Clone(pending) {
			deps := w.deps(op, producible)
			if !w.has(w.A, deps) || !w.has(w.B, deps) {
				continue
			}
			pending = slices.DeleteFunc(pending, func(o *Operation) bool { return o == op })
			progress = true
			for inst := range 2 {
				for _, t := range []*Tenant{w.A, w.B} {
					if err := w.create(ctx, op, t, inst); err != nil {
						w.missing("%s object %d of kind %s (%s): %v", t.Label, inst+1, w.doc.opKind(op.Path), op, err)
					}
				}
			}
		}
		if !progress {
			if discovered {
				break
			}
			w.produce(ctx)
			w.discover(ctx)
			discovered = true
		}
	}
	for _, op := range pending {
		var lacking []string
		for _, k := range w.deps(op, producible) {
			if !w.has(w.A, []string{k}) {
				lacking = append(lacking, k)
			}
		}
		w.missing("kind %s (%s): the world has no %v to create it under", w.doc.opKind(op.Path), op, lacking)
	}
	w.produce(ctx)
	w.discover(ctx)
}

func (w *World) deps(op *Operation, producible map[string]bool) []string {
	var out []string
	for _, p := range op.pathParams() {
		if k, _ := paramKind(op.Path, p.Name); k != "" {
			out = append(out, k)
		}
	}
	for _, k := range w.bodyDeps(op.Body, 0) {
		if producible[k] && k != w.doc.opKind(op.Path) {
			out = append(out, k)
		}
	}
	return out
}

func (w *World) has(t *Tenant, kinds []string) bool {
	for _, k := range kinds {
		if len(t.objects(k)) == 0 {
			return false
		}
	}
	return true
}

// create makes one object: from the schema, with what the operation's example adds, else from
// the schema alone. After a 422 the objects it names by reference are readied (ready) and the
// request is sent again; the other fields it names get their schema examples, varied so that two
// objects never share a value, or are generated when the body left them out; after a 409 (a value
// unique per tenant clashed) or a refused example the body is generated anew.
func (w *World) create(ctx context.Context, op *Operation, t *Tenant, inst int) error {
	tp, _ := w.template(op, t, inst)
	values, ok := t.assign(tp.slots, inst)
	if !ok {
		return fmt.Errorf("no objects to fill %v", tp.slots)
	}
	var named [][]string
	usedExample, readied := op.BodyExample != nil, false
	var res Response
	for range 5 {
		var err error
		tp.body = w.placeVisibility(op, t, inst, tp.body)
		req := tp.request(values)
		if w.dup > 1 {
			req.Body = withoutStrayTeam(req.Body)
		}
		send := w.send
		if w.dup > 1 {
			send = w.sendDuplicates
		}
		if res, err = send(ctx, t.Owner, op, req); err != nil {
			return err
		}

		if res.ok() {
			return w.recordMade(t, op, tp, values, res)
		}
		if res.Status == http.StatusUnprocessableEntity && !readied {
			if readied = w.ready(ctx, t, res, req); readied {
				continue
			}
		}
		switch {
		case res.Status == http.StatusUnprocessableEntity && !usedExample:
			paths := w.namedFields(op, res)
			if len(paths) == 0 {
				return fmt.Errorf("%s", res.summary())
			}
			named = append(named, paths...)
		case res.Status != http.StatusConflict && !usedExample:
			return fmt.Errorf("%s", res.summary())
		}
		usedExample = false
		tp, _ = w.templateWith(op, t, inst, false)
		w.fillNamed(op, t, tp, named)
	}
	return fmt.Errorf("%s", res.summary())
}

// recordMade records the object a create answered with, under the objects its request named.
func (w *World) recordMade(t *Tenant, op *Operation, tp *template, values map[string]string, res Response) error {
	parents := map[string]string{}
	for _, s := range tp.slots {
		if s.Field == "id" {
			parents[s.Kind] = values[s.Name]
		}
	}
	if w.recordCreated(t, op, res, parents) == nil {
		return fmt.Errorf("the answer has no id: %s", res.summary())
	}
	return nil
}

// namedFields returns the body fields a 422 names (errors[].location "body.x.y") that the schema
// has.
func (w *World) namedFields(op *Operation, res Response) [][]string {
	var out [][]string
	for _, keys := range bodyLocations(res) {
		if w.fieldSchema(op, keys) != nil {
			out = append(out, keys)
		}
	}
	return out
}

// bodyLocations returns the body fields a problem's errors name, as paths of keys.
func bodyLocations(res Response) [][]string {
	errList, _ := lookup(res.json(), "errors").([]any)
	var out [][]string
	for _, e := range errList {
		loc, _ := lookup(e, "location").(string)
		if path, ok := strings.CutPrefix(loc, "body."); ok {
			out = append(out, strings.Split(path, "."))
		}
	}
	return out
}

// fillNamed gives the fields a 422 named their schema example, varied, or a generated value when
// the body left them out (an optional field the server wants after all).
func (w *World) fillNamed(op *Operation, t *Tenant, tp *template, named [][]string) {
	for _, path := range named {
		s := w.fieldSchema(op, path)
		if ex, ok := s.example(); ok {
			tp.body = setAt(tp.body, path, vary(ex))
		} else if lookup(tp.body, path...) == nil {
			if v, ok := w.gen(t, nil).value(path[len(path)-1], s, path); ok {
				tp.body = setAt(tp.body, path, v)
			}
		}
	}
}

func (w *World) fieldSchema(op *Operation, path []string) *Schema {
	s := w.doc.resolve(op.Body)
	for _, k := range path {
		if s == nil {
			return nil
		}
		s = w.doc.resolve(s.Properties[k])
	}
	return s
}

// vary returns a value of the example's form that another object is unlikely to share: a hex
// string gets random hex digits of the same case, any other string random digits for its digits.
func vary(ex any) any {
	s, ok := ex.(string)
	if !ok || s == "" {
		return ex
	}
	hex := len(s) >= 4 && strings.Trim(strings.ToUpper(s), "0123456789ABCDEF") == ""
	upper := s == strings.ToUpper(s)
	r := rnd()
	b := []byte(s)
	for i, c := range b {
		switch {
		case hex && upper:
			b[i] = "0123456789ABCDEF"[r.IntN(16)]
		case hex:
			b[i] = "0123456789abcdef"[r.IntN(16)]
		case c >= '0' && c <= '9':
			b[i] = byte('0' + r.IntN(10))
		}
	}
	return string(b)
}
