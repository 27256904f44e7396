package probe

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// operation probes one operation as every B principal.
func (p *prober) operation(ctx context.Context, op *Operation) (OpResult, error) {
	r := OpResult{Op: op.String(), ID: op.ID}
	p.result = &r
	if !op.Declared {
		p.fail(op, nil, "declaration", "the operation has no %s declaration", "x-tenantry-access")
	}
	w := p.w
	tp, unresolved := w.template(op, w.B, 0)
	r.Slots = len(tp.slots)
	r.HasID = len(op.pathParams()) > 0 || len(tp.slots) > 0
	if len(unresolved) > 0 {
		r.Reason = strings.Join(unresolved, "; ")
		return r, nil
	}
	if op.Access.Credential == "survey-token" { // one-time tokens no list shows: random ones only
		r.Probed = true
		return r, p.surveyToken(ctx, op, tp)
	}
	aVals, okA := w.A.assign(tp.slots, 0)
	bVals, okB := w.B.assign(tp.slots, 0)
	if !okA || !okB {
		r.Reason = "the world has no object for " + p.lacking(tp.slots)
		return r, nil
	}
	p.controls(ctx, op, tp, aVals, bVals)
	before, err := p.rowHashes(ctx, op, tp)
	if err != nil {
		return r, err
	}
	if err := p.principalChecks(ctx, op, tp, aVals, bVals); err != nil {
		return r, err
	}
	after, err := p.rowHashes(ctx, op, tp)
	if err != nil {
		return r, err
	}
	for table, h := range before {
		if after[table] != h {
			p.fail(op, nil, "unchanged", "A's rows changed while B probed the operation: %s", table)
		}
	}
	r.Probed = true
	return r, nil
}

// principalChecks runs every check of an operation that sends requests as a principal: the
// credential's rules for an operation whose path carries one; else the declaration's matrix and
// the cross-tenant checks as every B principal, the child routes, and the principals the
// declaration adds (another member for owner-only operations, a member who sees an object but did
// not write it for operations with an object rule).
func (p *prober) principalChecks(ctx context.Context, op *Operation, tp *template, aVals, bVals map[string]string) error {
	if op.Access.Credential != "" {
		return p.credential(ctx, op, tp, bVals)
	}
	for _, who := range p.principals(op) {
		if err := p.asPrincipal(ctx, op, tp, who, aVals, bVals); err != nil {
			return err
		}
	}
	for _, check := range []func(context.Context, *Operation, *template, map[string]string) error{
		p.childRoutes, p.anotherMember, p.nonAuthors,
	} {
		if err := check(ctx, op, tp, bVals); err != nil {
			return err
		}
	}
	return nil
}

func (p *prober) lacking(slots []Slot) string {
	var out []string
	for _, s := range slots {
		for _, t := range []*Tenant{p.w.A, p.w.B} {
			if len(t.objects(s.Kind)) == 0 {
				out = append(out, fmt.Sprintf("%s (kind %s) in %s", s.Name, s.Kind, t.Label))
			}
		}
	}
	return strings.Join(out, ", ")
}

func pathSlots(tp *template) []Slot {
	var out []Slot
	for _, s := range tp.slots {
		if s.In == "path" {
			out = append(out, s)
		}
	}
	return out
}

// mayBeOK reports whether a 2xx with another tenant's id is acceptable: only for a read without
// path ids (a list or search filtered by the id), and only when it equals the random id's answer.
func mayBeOK(op *Operation, tp *template) bool {
	return op.Method == http.MethodGet && len(pathSlots(tp)) == 0
}

// asPrincipal sends, as one principal, the operation with random ids (the role and scope matrix),
// with A's ids (the cross-tenant check), and, for the strongest principals, with each id of a
// valid B request replaced by A's and by a random one.
func (p *prober) asPrincipal(ctx context.Context, op *Operation, tp *template, who *Principal, aVals, bVals map[string]string) error {
	want := expect(op.Access, who)
	random, err := p.send(ctx, op, who, tp.request(tp.randomValues(bVals)))
	if err != nil {
		return err
	}
	p.matrix(op, who, want, random)
	if len(tp.slots) == 0 {
		return nil
	}
	withA, err := p.send(ctx, op, who, tp.request(aVals))
	if err != nil {
		return err
	}
	p.crossTenant(op, tp, who, want, "A's ids", len(pathSlots(tp)) > 0, withA, random)
	if want != expectAllowed || len(tp.slots) < 2 || !(who == p.w.B.Owner || who == p.w.B.allKey) {
		return nil
	}
	for _, s := range tp.slots {
		if aVals[s.Name] == bVals[s.Name] {
			continue // a natural key both tenants have (version 1): swapping it proves nothing
		}
		mixA, mixR := clone2(bVals), clone2(bVals)
		mixA[s.Name], mixR[s.Name] = aVals[s.Name], s.random(bVals[s.Name])
		ra, err := p.send(ctx, op, who, tp.request(mixA))
		if err != nil {
			return err
		}
		rr, err := p.send(ctx, op, who, tp.request(mixR))
		if err != nil {
			return err
		}
		p.crossTenant(op, tp, who, want, "B's request with A's "+s.Name, s.In == "path", ra, rr)
	}
	return nil
}

func clone2(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// matrix checks the answer to a request that names no existing object against the declaration.
func (p *prober) matrix(op *Operation, who *Principal, want expectation, r Response) {
	switch {
	case want == expect401 && r.Status != http.StatusUnauthorized:
		p.fail(op, who, "matrix", "want 401 without credentials, got %s", r.summary())
	case want == expect401 && r.Header.Get("WWW-Authenticate") == "":
		p.fail(op, who, "matrix", "401 without a WWW-Authenticate header")
	case want == expect403 && r.Status != http.StatusForbidden:
		p.fail(op, who, "matrix", "the declaration (%s) refuses this principal: want 403, got %s", accessText(op.Access), r.summary())
	case want == expectAllowed && (r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden):
		p.fail(op, who, "matrix", "the declaration (%s) admits this principal, got %s", accessText(op.Access), r.summary())
	}
}

func accessText(a Access) string {
	s := a.Class
	if a.Role != "" {
		s += ", role " + a.Role
	}
	if a.Scope != "" {
		s += ", scope " + a.Scope
	}
	return s
}

// crossTenant checks an answer to a request carrying another tenant's id against the answer to
// the same request carrying a random id. inPath says the replaced id is in the path.
func (p *prober) crossTenant(op *Operation, tp *template, who *Principal, want expectation, what string, inPath bool, withA, random Response) {
	switch want {
	case expect401, expect403:
		if code := map[expectation]int{expect401: 401, expect403: 403}[want]; withA.Status != code {
			p.fail(op, who, "matrix", "with %s: want %d whatever the object, got %s", what, code, withA.summary())
		}
	default:
		if !p.hiddenStatus(op, tp, who, "cross-tenant", what, inPath && want == expectAllowed, withA) {
			return
		}
	}
	p.same(op, who, "indistinguishable", what, withA, random)
}

// hiddenStatus checks the status of an answer to a request naming objects the principal may not
// reach: never 2xx (but for a read without path ids, a list filtered by the id), and 404 when
// inPath (the id is in the path and the principal is admitted). It reports false after a 2xx.
func (p *prober) hiddenStatus(op *Operation, tp *template, who *Principal, check, what string, inPath bool, got Response) bool {
	if got.ok() && !mayBeOK(op, tp) {
		p.fail(op, who, check, "with %s: got %s", what, got.summary())
		return false
	}
	if inPath && got.Status != http.StatusNotFound {
		p.fail(op, who, check, "with %s: want 404 (a hidden object), got %s", what, got.summary())
	}
	return true
}

// same checks that an answer is byte-identical to the answer for a random id.
func (p *prober) same(op *Operation, who *Principal, check, what string, got, random Response) {
	if d := differ(got, random); d != "" {
		p.fail(op, who, check, "with %s vs a random id: %s", what, d)
	}
}

// send sends a request as a B principal and scans the answer for A's canaries and ids.
func (p *prober) send(ctx context.Context, op *Operation, who *Principal, req Request) (Response, error) {
	var pr *Principal
	if who.Kind != "anonymous" {
		pr = who
	}
	res, err := p.w.send(ctx, pr, op, req)
	if err != nil {
		return res, err
	}
	p.result.Requests++
	if res.Status >= 500 {
		p.fail(op, who, "server-error", "%s: %s", req, res.summary())
	}
	p.scan(op, who, req, res)
	return res, nil
}

// scan fails when an answer to B carries one of A's canaries, or one of A's ids that the request
// did not itself carry.
func (p *prober) scan(op *Operation, who *Principal, req Request, res Response) {
	var hdr strings.Builder
	for k, vs := range res.Header {
		hdr.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	text := string(res.Body) + "\n" + hdr.String()
	if strings.Contains(text, p.w.canaryPrefix()) {
		p.fail(op, who, "canary", "%s: the answer carries one of A's canaries: %s", req, res.summary())
	}
	sent := req.String() + fmt.Sprint(req.Body)
	for _, id := range p.w.aIDs() {
		if strings.Contains(text, id) && !strings.Contains(sent, id) {
			p.fail(op, who, "canary", "%s: the answer carries A's id %s: %s", req, id, res.summary())
			return
		}
	}
}

// aIDs is every id of tenant A the world knows.
func (w *World) aIDs() []string {
	out := []string{w.A.ID}
	out = append(out, w.A.Users...)
	for _, objs := range w.A.Objects {
		for _, o := range objs {
			if o.ID != "" {
				out = append(out, o.ID)
			}
		}
	}
	return out
}

// childRoutes sends, as B's owner, a route with two or more path ids whose child belongs to
// another of B's parents: the answer must be 404. A child named by a natural key (a version
// number) is another object under another parent, and is left alone.
func (p *prober) childRoutes(ctx context.Context, op *Operation, tp *template, bVals map[string]string) error {
	ps := pathSlots(tp)
	if len(ps) < 2 || ps[len(ps)-1].Field != "id" || expect(op.Access, p.w.B.Owner) != expectAllowed {
		return nil
	}
	for _, parent := range ps[:len(ps)-1] {
		var other string
		for _, o := range p.w.B.objects(parent.Kind) {
			if v := o.value(parent.Field); v != "" && v != bVals[parent.Name] {
				other = v
				break
			}
		}
		if other == "" {
			p.fail(op, p.w.B.Owner, "child-route", "B has only one %s: cannot try the child under another parent", parent.Kind)
			continue
		}
		vals := clone2(bVals)
		vals[parent.Name] = other
		res, err := p.send(ctx, op, p.w.B.Owner, tp.request(vals))
		if err != nil {
			return err
		}
		if res.Status != http.StatusNotFound {
			p.fail(op, p.w.B.Owner, "child-route", "the child under another of B's %s: want 404, got %s", parent.Kind, res.summary())
		}
	}
	return nil
}

// controls are the positive controls of a read: A reads its own object and B its own, so a 404
// to the other tenant is not a 404 to everyone. A list as A shows A's objects of its kind.
func (p *prober) controls(ctx context.Context, op *Operation, tp *template, aVals, bVals map[string]string) {
	if op.Method != http.MethodGet || expect(op.Access, p.w.A.Owner) != expectAllowed {
		return
	}
	if len(pathSlots(tp)) > 0 {
		for _, c := range []struct {
			t    *Tenant
			vals map[string]string
		}{{p.w.A, aVals}, {p.w.B, bVals}} {
			res, err := p.w.send(ctx, c.t.Owner, op, tp.request(c.vals))
			if err == nil && !res.ok() {
				p.fail(op, c.t.Owner, "control", "%s cannot read its own object (the 404 for the other tenant would prove nothing): %s",
					c.t.Label, res.summary())
			}
		}
		return
	}
	kind := p.w.doc.opKind(op.Path)
	mine := p.w.A.objects(kind)
	if len(mine) == 0 || !p.w.doc.isList(op) {
		return
	}
	unfiltered := *tp
	unfiltered.slots = pathSlots(tp) // no query filter: the whole list
	res, err := p.w.send(ctx, p.w.A.Owner, op, unfiltered.request(aVals))
	if err != nil || !res.ok() {
		return
	}
	for _, o := range mine {
		if strings.Contains(string(res.Body), o.ID) {
			return
		}
	}
	p.w.missing("control %s: A's own list shows none of A's %d %s objects; its leak check may prove little", op, len(mine), kind)
}
