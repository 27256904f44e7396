package probe

import (
	"context"
	"maps"
	"slices"
	"strings"
)

// ownedKinds are the kinds an owner-only create operation makes (sessions, share links, a
// session's custom steps): each object belongs to the member who made it, and every other member
// of the tenant must find it as hidden as a random id.
func (w *World) ownedKinds() map[string]bool {
	out := map[string]bool{}
	for _, op := range w.doc.Ops {
		if op.Access.Class == "owner-only" && w.doc.isCreate(op) {
			out[w.doc.opKind(op.Path)] = true
		}
	}
	return out
}

// otherMembers returns B's members besides its owner whom the operation's declaration admits. B's
// owner made every object of the world, so each of them is "another member of the same tenant"
// for B's objects, and one who did not write them.
func (p *prober) otherMembers(op *Operation) []*Principal {
	var out []*Principal
	for _, m := range p.w.B.Principals {
		if m.Kind == "member" && m != p.w.B.Owner && expect(op.Access, m) == expectAllowed {
			out = append(out, m)
		}
	}
	return out
}

// anotherMember probes an owner-only operation as B's other members (otherMembers): with B
// owner's ids in the slots of owned kinds, the answer is the one for random ids there, byte for
// byte, and a 404 for an id in the path; a list they read carries none of B owner's owned ids.
func (p *prober) anotherMember(ctx context.Context, op *Operation, tp *template, bVals map[string]string) error {
	if op.Access.Class != "owner-only" {
		return nil
	}
	owned := p.w.ownedKinds()
	random, inPath, named := clone2(bVals), false, false
	for _, s := range tp.slots {
		if owned[s.Kind] {
			random[s.Name], named = s.random(bVals[s.Name]), true
			inPath = inPath || s.In == "path"
		}
	}
	for _, m := range p.otherMembers(op) {
		got, err := p.send(ctx, op, m, tp.request(bVals))
		if err != nil {
			return err
		}
		if !named {
			p.ownedLeak(op, m, got, owned)
			continue
		}
		rnd, err := p.send(ctx, op, m, tp.request(random))
		if err != nil {
			return err
		}
		const what = "B owner's ids (another member)"
		if p.hiddenStatus(op, tp, m, "owner-only", what, inPath, got) {
			p.same(op, m, "owner-only", what, got, rnd)
		}
	}
	return nil
}

// ownedLeak fails when an answer to another member carries an id of an object B's owner owns.
func (p *prober) ownedLeak(op *Operation, who *Principal, res Response, owned map[string]bool) {
	for _, kind := range slices.Sorted(maps.Keys(owned)) {
		for _, o := range p.w.B.objects(kind) {
			if o.ID != "" && strings.Contains(string(res.Body), o.ID) {
				p.fail(op, who, "owner-only", "the answer carries B owner's %s %s: %s", kind, o.ID, res.summary())
				return
			}
		}
	}
}
