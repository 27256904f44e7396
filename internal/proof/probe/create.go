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
// generated from the schema (or the operation's example) whose reference fields name t's objects.
// unresolved lists path parameters that name no kind of resource.
func (w *World) template(op *Operation, t *Tenant, inst int) (*template, []string) {
	return w.templateWith(op, t, inst, true)
}

// templateWith is template; example says whether the operation's request example, when it has
// one, is the body (else the body is generated from the schema).
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
		if op.BodyExample != nil && example {
			tp.body = g.fromExample(clone(op.BodyExample), nil)
		} else {
			tp.body, _ = g.value("", op.Body, nil)
		}
		tp.slots = append(tp.slots, g.slots...)
	}
	return tp, unresolved
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
			out[opKind(op.Path)] = true
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
						w.missing("%s object %d of kind %s (%s): %v", t.Label, inst+1, opKind(op.Path), op, err)
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
		w.missing("kind %s (%s): the world has no %v to create it under", opKind(op.Path), op, lacking)
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
		if producible[k] && k != opKind(op.Path) {
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

// create makes one object: first from the operation's example, else from the schema. After a 422
// the fields it names get their schema examples, varied so that two objects never share a value;
// after a 409 (a value unique per tenant clashed) or a refused example the body is generated anew.
func (w *World) create(ctx context.Context, op *Operation, t *Tenant, inst int) error {
	tp, _ := w.template(op, t, inst)
	values, ok := t.assign(tp.slots, inst)
	if !ok {
		return fmt.Errorf("no objects to fill %v", tp.slots)
	}
	var fromExamples [][]string
	usedExample := op.BodyExample != nil
	var res Response
	for range 4 {
		var err error
		if res, err = w.send(ctx, t.Owner, op, tp.request(values)); err != nil {
			return err
		}
		if res.ok() {
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
		switch {
		case res.Status == http.StatusUnprocessableEntity && !usedExample:
			paths := w.exampleFields(op, res)
			if len(paths) == 0 {
				return fmt.Errorf("%s", res.summary())
			}
			fromExamples = append(fromExamples, paths...)
		case res.Status != http.StatusConflict && !usedExample:
			return fmt.Errorf("%s", res.summary())
		}
		usedExample = false
		fresh, _ := w.templateWith(op, t, inst, false)
		for _, path := range fromExamples {
			if ex, ok := w.fieldSchema(op, path).example(); ok {
				fresh.body = setAt(fresh.body, path, vary(ex))
			}
		}
		tp = fresh
	}
	return fmt.Errorf("%s", res.summary())
}

// exampleFields returns the body fields a 422 names (errors[].location "body.x.y") that have a
// schema example.
func (w *World) exampleFields(op *Operation, res Response) [][]string {
	errList, _ := lookup(res.json(), "errors").([]any)
	var out [][]string
	for _, e := range errList {
		loc, _ := lookup(e, "location").(string)
		if path, ok := strings.CutPrefix(loc, "body."); ok {
			keys := strings.Split(path, ".")
			if _, ok := w.fieldSchema(op, keys).example(); ok {
				out = append(out, keys)
			}
		}
	}
	return out
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

// discover lists every collection as each tenant's owner and adds the items it finds: kinds
// no create operation makes (members, the orphan inbox, audit entries) come from here.
func (w *World) discover(ctx context.Context) {
	for _, op := range w.doc.Ops {
		if !w.doc.isList(op) || isAuthFlow(op) || !strings.HasPrefix(op.Access.Class, "tenant") {
			continue
		}
		for _, t := range []*Tenant{w.A, w.B} {
			tp, unresolved := w.template(op, t, 0)
			var pathSlots []Slot
			for _, s := range tp.slots {
				if s.In == "path" {
					pathSlots = append(pathSlots, s)
				}
			}
			tp.slots = pathSlots
			values, ok := t.assign(pathSlots, 0)
			if len(unresolved) > 0 || !ok {
				continue
			}
			res, err := w.send(ctx, w.caller(t, op), op, tp.request(values))
			if err != nil || !res.ok() {
				continue
			}
			parents := map[string]string{}
			for _, s := range pathSlots {
				parents[s.Kind] = values[s.Name]
			}
			for _, item := range items(res.json()) {
				if id, _ := item["id"].(string); id != "" {
					t.add(&Object{Kind: opKind(op.Path), ID: id, Parents: parents, Fields: item})
				}
			}
		}
	}
}

// caller is the tenant's owner, or its every-scope key for operations that members cannot call.
func (w *World) caller(t *Tenant, op *Operation) *Principal {
	if op.Access.Class == "tenant" && op.Access.Role != "" || t.allKey == nil {
		return t.Owner
	}
	return t.allKey
}

// items returns the objects of a list answer: its "items" (or "data"), or the answer itself when
// it is an array.
func items(v any) []map[string]any {
	var arr []any
	switch x := v.(type) {
	case []any:
		arr = x
	case map[string]any:
		for _, k := range []string{"items", "data", "results"} {
			if a, ok := x[k].([]any); ok {
				arr = a
				break
			}
		}
	}
	var out []map[string]any
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// produce runs, once per tenant, every POST that integrations call (it admits an API key with a
// scope), that is not a create and takes no path parameter or reference: an ingest webhook, say,
// so that objects only such operations make (an orphan device) exist before the lists are read.
// Keyless tenant administration (settings, secrets) is left alone: it changes how the tenant
// works. Each producer that fails is listed.
func (w *World) produce(ctx context.Context) {
	if w.produced {
		return
	}
	w.produced = true
	for _, op := range w.doc.Ops {
		if op.Method != http.MethodPost || isAuthFlow(op) || w.doc.isCreate(op) || len(op.pathParams()) > 0 ||
			op.Access.Scope == "" || isInvitation(op) || len(w.bodyDeps(op.Body, 0)) > 0 {
			continue
		}
		for _, t := range []*Tenant{w.A, w.B} {
			tp, _ := w.template(op, t, 0)
			values, _ := t.assign(tp.slots, 0)
			res, err := w.send(ctx, t.Owner, op, tp.request(values))
			if err == nil && (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden) && t.allKey != nil {
				res, err = w.send(ctx, t.allKey, op, tp.request(values))
			}
			if err != nil || !res.ok() {
				w.missing("%s: producer %s as %s's owner and key: %v %s", t.Label, op, t.Label, err, res.summary())
			}
		}
	}
}
