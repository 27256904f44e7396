package probe

import (
	"context"
	"fmt"
	"net/http"
	"slices"
)

// The object rules of the declarations (Access.Objects).
const (
	objectsVisible       = "visible"
	objectsEditable      = "editable"
	objectsEditableOr404 = "editable-or-404"
)

// nonAuthors probes an operation with an object rule as B's other members, none of whom wrote B's
// objects (otherMembers): on B owner's private object every request answers the 404 of a random
// id, byte for byte; on B owner's account object a Visible operation succeeds, an Editable one
// answers 403 (the member sees the object but may not change it) and an EditableOr404 one the 404
// of a random id. Admins and owners may change what they see, so their changes of the account
// object are not sent.
func (p *prober) nonAuthors(ctx context.Context, op *Operation, tp *template, bVals map[string]string) error {
	rule := op.Access.Objects
	if rule == "" {
		return nil
	}
	if !slices.Contains([]string{objectsVisible, objectsEditable, objectsEditableOr404}, rule) {
		p.fail(op, nil, "declaration", "unknown object rule %q: the probe cannot derive its statuses", rule)
		return nil
	}
	slot, objs := p.visibleSlot(tp)
	if slot == nil {
		p.fail(op, nil, "visibility", "the declaration names an object rule, but B has no private and account object for its path ids")
		return nil
	}
	for _, m := range p.otherMembers(op) {
		for _, vis := range []string{"private", "account"} {
			if err := p.nonAuthor(ctx, op, tp, m, *slot, objs[vis], visibilityWant(rule, vis, m.Role), bVals); err != nil {
				return err
			}
		}
	}
	return nil
}

// nonAuthor sends the operation as m on one of B owner's objects and checks the status want (0:
// nothing is sent; 200 means any 2xx).
func (p *prober) nonAuthor(ctx context.Context, op *Operation, tp *template, m *Principal, slot Slot, obj *Object, want int, bVals map[string]string) error {
	if want == 0 {
		return nil
	}
	vals := p.valuesFor(tp, slot, obj, bVals)
	got, err := p.send(ctx, op, m, tp.request(vals))
	if err != nil {
		return err
	}
	what := fmt.Sprintf("B owner's %s %s", obj.Fields["visibility"], slot.Kind)
	switch want {
	case http.StatusNotFound:
		random := clone2(vals)
		random[slot.Name] = slot.random("")
		rnd, err := p.send(ctx, op, m, tp.request(random))
		if err != nil {
			return err
		}
		if p.hiddenStatus(op, tp, m, "visibility", what, true, got) {
			p.same(op, m, "visibility", what, got, rnd)
		}
	case http.StatusForbidden:
		if got.Status != http.StatusForbidden {
			p.fail(op, m, "visibility", "with %s, which they see and may not change: want 403, got %s", what, got.summary())
		}
	default:
		if !got.ok() {
			p.fail(op, m, "visibility", "with %s, which they see: want 2xx, got %s", what, got.summary())
		}
	}
	return nil
}

// visibilityWant is the status a member of role gets on another member's object of visibility
// under rule: 404 (hidden, as a random id), 403, 200 (any 2xx) or 0 (an admin's change of an
// object they see, which is allowed and not sent).
func visibilityWant(rule, visibility, role string) int {
	switch {
	case visibility == "private":
		return http.StatusNotFound
	case rule == objectsVisible:
		return http.StatusOK
	case roleAtLeast(role, "admin"):
		return 0
	case rule == objectsEditable:
		return http.StatusForbidden
	}
	return http.StatusNotFound
}

// visibleSlot returns the first path slot whose kind B holds both a private and an account object
// of, with those objects by visibility; nil when there is none.
func (p *prober) visibleSlot(tp *template) (*Slot, map[string]*Object) {
	for _, s := range pathSlots(tp) {
		objs := map[string]*Object{}
		for _, o := range p.w.B.objects(s.Kind) {
			if v, _ := o.Fields["visibility"].(string); objs[v] == nil {
				objs[v] = o
			}
		}
		if objs["private"] != nil && objs["account"] != nil {
			return &s, objs
		}
	}
	return nil, nil
}

// valuesFor is B's request with obj in slot and, in the other slots, obj's children where B has
// them (else B's values: a version number every published flow has).
func (p *prober) valuesFor(tp *template, slot Slot, obj *Object, bVals map[string]string) map[string]string {
	vals := clone2(bVals)
	vals[slot.Name] = obj.ID
	for _, s := range tp.slots {
		if s.Name == slot.Name {
			continue
		}
		for _, o := range p.w.B.objects(s.Kind) {
			if o.Parents[slot.Kind] == obj.ID {
				vals[s.Name] = o.value(s.Field)
				break
			}
		}
	}
	return vals
}
