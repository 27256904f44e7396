package probe

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// visibilities are the values of a "visibility" field whose meaning holds for every member of the
// tenant, from the most restrictive: private (its author only), account (every member of the
// tenant), public (anyone, for a share link). "team" depends on team membership, which the world
// does not arrange.
var visibilities = []string{"private", "account", "public"}

// placeVisibility gives B's object inst of a kind whose create body has a visibility the inst-th
// of the visibilities the body offers: B holds a private and an account flow, an account and a
// public share link, so the visibility and credential checks have objects of each. A keeps the
// generator's choice, the most restrictive (pickEnum).
func (w *World) placeVisibility(op *Operation, t *Tenant, inst int, body any) any {
	b := w.doc.resolve(op.Body)
	if t != w.B || b == nil {
		return body
	}
	offered := offeredVisibilities(w.doc.resolve(b.Properties["visibility"]))
	if len(offered) == 0 {
		return body
	}
	return setAt(body, []string{"visibility"}, offered[inst%len(offered)])
}

// offeredVisibilities returns the visibilities an enum offers, most restrictive first.
func offeredVisibilities(s *Schema) []string {
	var out []string
	if s == nil {
		return nil
	}
	for _, v := range visibilities {
		if slices.Contains(s.Enum, any(v)) {
			out = append(out, v)
		}
	}
	return out
}

// ready runs, after a create answered 422, the actions that make something of each object the 422
// names by reference (body.<kind>_id): publishing a flow, say, before a session can start on it.
// Each object is readied once; ready reports whether an action ran.
func (w *World) ready(ctx context.Context, t *Tenant, res Response, req Request) bool {
	ran := false
	for _, path := range bodyLocations(res) {
		kind, _, isRef := refKind(path[len(path)-1])
		id := firstString(lookup(req.Body, path...))
		if !isRef || id == "" || w.readied[id] {
			continue
		}
		if w.readied == nil {
			w.readied = map[string]bool{}
		}
		w.readied[id] = true
		for _, op := range w.actions(kind) {
			tp, _ := w.template(op, t, 0)
			values := map[string]string{op.pathParams()[0].Name: id}
			r, err := w.send(ctx, t.Owner, op, tp.request(values))
			if err != nil || !r.ok() {
				w.missing("%s: readying %s %s with %s: %v %s", t.Label, kind, id, op, err, r.summary())
				continue
			}
			ran = true
		}
	}
	return ran
}

// firstString is a string, or the first string of an array.
func firstString(v any) string {
	if a, ok := v.([]any); ok && len(a) > 0 {
		v = a[0]
	}
	s, _ := v.(string)
	return s
}

// actions are the operations that make something of one object of kind: a POST on the object's
// path plus a verb, without a body, that answers 201 Created ("POST /flows/{id}/publish" makes a
// version). Actions that answer 200 change the object's state (start, abandon) and are left alone.
func (w *World) actions(kind string) []*Operation {
	var out []*Operation
	for _, op := range w.doc.Ops {
		ps, segs := op.pathParams(), segments(op.Path)
		if op.Method != http.MethodPost || op.Body != nil || op.SuccessStatus != http.StatusCreated || len(ps) != 1 ||
			len(segs) < 2 || segs[len(segs)-2] != "{"+ps[0].Name+"}" {
			continue
		}
		if k, field := paramKind(op.Path, ps[0].Name); k == kind && field == "id" {
			out = append(out, op)
		}
	}
	return out
}

// allowAll turns on, in B only, every tenant policy that allows something: the boolean allow_*
// fields of the tenant's settings operations (a PATCH or PUT without path parameters), so that B
// can hold every variant of its objects (a public share link needs allow_public_shares). A keeps
// the defaults. A setting that cannot be changed is listed as missing.
func (w *World) allowAll(ctx context.Context) {
	for _, op := range w.doc.Ops {
		if op.Method != http.MethodPatch && op.Method != http.MethodPut || len(op.pathParams()) > 0 || op.Access.Class != "tenant" {
			continue
		}
		b := w.doc.resolve(op.Body)
		if b == nil {
			continue
		}
		tp, _ := w.template(op, w.B, 0)
		allowed := false
		for _, name := range sortedKeys(anyMap(b.Properties)) {
			if strings.HasPrefix(name, "allow_") && w.doc.resolve(b.Properties[name]).is("boolean") {
				tp.body, allowed = setAt(tp.body, []string{name}, true), true
			}
		}
		if !allowed {
			continue
		}
		values, _ := w.B.assign(tp.slots, 0)
		if res, err := w.send(ctx, w.B.Owner, op, tp.request(values)); err != nil || !res.ok() {
			w.missing("B's policies (%s): %v %s", op, err, res.summary())
		}
	}
}
