package probe

import (
	"context"
	"net/http"
	"strings"
)

// discover lists every collection as each tenant's owner and adds the items it finds (addListed):
// kinds no create operation makes (members, the orphan inbox, audit entries, versions) come from
// here.
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
			w.addListed(t, w.doc.opKind(op.Path), parents, items(res.json()))
		}
	}
}

// addListed adds the items of a tenant's list: those with an id, and those named by their kind's
// natural key (a flow's versions by number). An item the API marks "global": true is a row of a
// catalogue every tenant shares (a global category), not an object of the tenant; its id is not
// one of A's, and B seeing it is no leak.
func (w *World) addListed(t *Tenant, kind string, parents map[string]string, list []map[string]any) {
	natural := w.doc.naturalKey(kind)
	for _, item := range list {
		id, _ := item["id"].(string)
		switch {
		case item["global"] == true:
		case id != "":
			t.add(&Object{Kind: kind, ID: id, Parents: parents, Fields: item})
		case natural != "" && item[natural] != nil:
			t.add(&Object{Kind: kind, Parents: parents, Fields: item})
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
