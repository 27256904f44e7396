package probe

import (
	"cmp"
	"context"
	"net/http"
	"strings"
	"time"
)

// expiryMargin is how long after its expiry an expiring link is opened: the server's clock may
// be a little behind the probe's.
const expiryMargin = 500 * time.Millisecond

// credentialLinks makes, for every kind of credential the document's operations carry, one more
// link of B's that expires soon (Options.LinkExpiry) and one that is revoked. They are made with
// the world, so that the expiry has passed by the time the operation is probed.
func (w *World) credentialLinks(ctx context.Context) {
	w.expiring, w.revoked = map[string]*Object{}, map[string]*Object{}
	w.expiresAt = time.Now().Add(cmp.Or(w.opts.LinkExpiry, 2*time.Second))
	for _, op := range w.doc.Ops {
		// Share links only: a survey token is made by completing a session and never expires or
		// is revoked (surveyToken).
		if ps := op.pathParams(); op.Access.Credential == "share-token" && len(ps) == 1 {
			kind, _ := paramKind(op.Path, ps[0].Name)
			if w.expiring[kind] == nil {
				w.expiring[kind] = w.makeLink(ctx, kind, w.expiresAt, "an expiring link")
				w.revoked[kind] = w.revokedLink(ctx, kind)
			}
		}
	}
}

// makeLink makes one more of B's credentials of kind (a share link) under the parent of B's first,
// with the generator's visibility (the most restrictive) and, when expires is set, that expiry.
// The link is not one of B's objects: the per-principal checks never use it. what names it in
// the missing list when it cannot be made.
func (w *World) makeLink(ctx context.Context, kind string, expires time.Time, what string) *Object {
	op := w.createOf(kind)
	if op == nil {
		w.missing("%s: the document has no create operation of kind %s", what, kind)
		return nil
	}
	tp, _ := w.template(op, w.B, 0)
	values, ok := w.B.assign(tp.slots, 0)
	if !expires.IsZero() {
		tp.body = setAt(tp.body, []string{"expires_at"}, expires.UTC().Format(time.RFC3339Nano))
	}
	if !ok {
		w.missing("%s: B has no object to make it under (%s)", what, op)
		return nil
	}
	res, err := w.send(ctx, w.B.Owner, op, tp.request(values))
	id, _ := find(res.json(), "id").(string)
	if err != nil || !res.ok() || id == "" {
		w.missing("%s (%s): %v %s", what, op, err, res.summary())
		return nil
	}
	fields, _ := res.json().(map[string]any)
	return &Object{Kind: kind, ID: id, Fields: fields}
}

// createOf returns the create operation of kind.
func (w *World) createOf(kind string) *Operation {
	return w.op(func(o *Operation) bool { return w.doc.isCreate(o) && w.doc.opKind(o.Path) == kind })
}

// revokedLink makes a link of kind and revokes it with the kind's DELETE.
func (w *World) revokedLink(ctx context.Context, kind string) *Object {
	link := w.makeLink(ctx, kind, time.Time{}, "a revoked link")
	del := w.doc.itemOp(kind, http.MethodDelete)
	if link == nil || del == nil {
		if del == nil {
			w.missing("a revoked link: the document has no DELETE of one %s", kind)
		}
		return nil
	}
	tp, _ := w.template(del, w.B, 0)
	res, err := w.send(ctx, w.B.Owner, del, tp.request(map[string]string{del.pathParams()[0].Name: link.ID}))
	if err != nil || !res.ok() {
		w.missing("a revoked link (%s): %v %s", del, err, res.summary())
		return nil
	}
	return link
}

// withheld returns the values an answer opened with link must not carry: the Withholds fields of
// the object the link was made for (its parent in the create path), as B's owner reads it. A field
// that is empty is first written through its own operation (PUT /sessions/{id}/scratchpad), so
// that its absence proves something; one that stays empty is listed as missing. Values shorter
// than 8 characters are left out: they could appear anywhere.
func (w *World) withheld(ctx context.Context, op *Operation, link *Object) []string {
	kind, parent := w.linkParent(link)
	read := w.doc.itemOp(kind, http.MethodGet)
	if parent == "" || read == nil {
		w.missing("withheld fields of %s: no parent of %s %s with a GET", op, link.Kind, link.ID)
		return nil
	}
	if got, ok := w.withheldOf[parent]; ok {
		return got
	}
	var out []string
	for _, field := range op.Access.Withholds {
		vals := leaves(w.readField(ctx, read, parent, field))
		if len(vals) == 0 && w.writeField(ctx, read, parent, field) {
			vals = leaves(w.readField(ctx, read, parent, field))
		}
		if len(vals) == 0 {
			w.missing("withheld field %s of B's %s %s is empty: its absence from %s proves nothing", field, kind, parent, op)
		}
		out = append(out, vals...)
	}
	if w.withheldOf == nil {
		w.withheldOf = map[string][]string{}
	}
	w.withheldOf[parent] = out
	return out
}

// linkParent returns the kind and id of the object link was made under: the innermost path
// parameter of its create operation.
func (w *World) linkParent(link *Object) (string, string) {
	op := w.createOf(link.Kind)
	if op == nil || len(op.pathParams()) == 0 {
		return "", ""
	}
	ps := op.pathParams()
	kind, _ := paramKind(op.Path, ps[len(ps)-1].Name)
	return kind, link.Parents[kind]
}

// readField reads one field of an object as B's owner.
func (w *World) readField(ctx context.Context, read *Operation, id, field string) any {
	res, err := w.send(ctx, w.B.Owner, read, Request{Method: read.Method, Path: fillPath(read, id)})
	if err != nil || !res.ok() {
		return nil
	}
	return lookup(res.json(), field)
}

// writeField writes one field of an object through its own operation (a PUT or PATCH on the
// object's path plus the field's name), as B's owner, with a generated body completed by the
// operation's example; it reports whether the write succeeded.
func (w *World) writeField(ctx context.Context, read *Operation, id, field string) bool {
	op := w.op(func(o *Operation) bool {
		return (o.Method == http.MethodPut || o.Method == http.MethodPatch) && o.Path == read.Path+"/"+field
	})
	if op == nil {
		return false
	}
	tp, _ := w.template(op, w.B, 0)
	req := tp.request(nil)
	req.Path = fillPath(op, id)
	res, err := w.send(ctx, w.B.Owner, op, req)
	if err != nil || !res.ok() {
		w.missing("writing %s of B's object %s (%s): %v %s", field, id, op, err, res.summary())
		return false
	}
	return true
}

// fillPath puts id in the only path parameter of op.
func fillPath(op *Operation, id string) string {
	return strings.Replace(op.Path, "{"+op.pathParams()[0].Name+"}", id, 1)
}

// leaves returns the strings of at least 8 characters in a JSON value.
func leaves(v any) []string {
	switch x := v.(type) {
	case string:
		if len(x) >= 8 {
			return []string{x}
		}
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, leaves(x[k])...)
		}
		return out
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return nil
}
