package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// holder is who sends a credential: a principal, and the tenant it is a signed-in member of (nil
// for the anonymous holder and for API keys, which are no signed-in viewer).
type holder struct {
	who    *Principal
	tenant *Tenant
}

// credential probes an operation whose path carries a credential instead of an id, by the rules
// its declaration names. It replaces the per-principal checks: a share link opens across tenants
// by design, so the checks derive from the link's rules, not from the tenant of the id.
func (p *prober) credential(ctx context.Context, op *Operation, tp *template, bVals map[string]string) error {
	ps := pathSlots(tp)
	switch {
	case op.Access.Credential != "share-token":
		p.fail(op, nil, "declaration", "unknown credential %q: the probe cannot derive its rules", op.Access.Credential)
	case len(ps) != 1:
		p.fail(op, nil, "declaration", "a credential operation takes exactly one path parameter, not %d", len(ps))
	default:
		return p.shareToken(ctx, op, tp, ps[0], bVals)
	}
	return nil
}

// holders returns who holds B's links: the anonymous holder, B's every-scope key, B's members,
// and the foreign holder (A's owner).
func (p *prober) holders() []holder {
	w := p.w
	out := []holder{{who: &Principal{Name: "anonymous holder", Kind: "anonymous"}}}
	if w.B.allKey != nil {
		out = append(out, holder{who: w.B.allKey})
	}
	for _, m := range w.B.Principals {
		if m.Kind == "member" {
			out = append(out, holder{who: m, tenant: w.B})
		}
	}
	foreign := *w.A.Owner
	foreign.Name = "foreign holder (A owner)"
	return append(out, holder{who: &foreign, tenant: w.A})
}

// shareWant is the status a holder gets for a live link of owner's, by the visibility its create
// answer reported (httpapi.ShareToken); 0 for a visibility the rules do not define.
func shareWant(link *Object, h holder, owner *Tenant) int {
	switch link.Fields["visibility"] {
	case "public":
		return http.StatusOK
	case "account":
		switch h.tenant {
		case nil:
			return http.StatusUnauthorized
		case owner:
			return http.StatusOK
		}
		return http.StatusForbidden
	}
	return 0
}

// shareToken checks the share-token rules as every holder: a random token answers 404 and a
// revoked link the same bytes; B's live links answer by their visibility (shareWant), and a 200
// carries none of the withheld fields' values of the shared object; A's links held by B's
// principals answer by the same rules (B's members are foreign holders there); an expired link
// answers 410.
func (p *prober) shareToken(ctx context.Context, op *Operation, tp *template, slot Slot, bVals map[string]string) error {
	revoked := p.w.revoked[slot.Kind]
	for _, h := range p.holders() {
		random, err := p.open(ctx, op, tp, slot, h, lookalike(bVals[slot.Name]), http.StatusNotFound, "a random token")
		if err != nil {
			return err
		}
		if revoked != nil {
			got, err := p.open(ctx, op, tp, slot, h, revoked.value(slot.Field), http.StatusNotFound, "a revoked link")
			if err != nil {
				return err
			}
			p.same(op, h.who, "share-token", "a revoked link", got, random)
		}
		if err := p.openLinks(ctx, op, tp, slot, h); err != nil {
			return err
		}
	}
	return p.openExpired(ctx, op, tp, slot, p.w.expiring[slot.Kind])
}

// openLinks opens every live link of both tenants as h: B's by their visibility, with the
// withheld values checked in a 200; A's only as B's side (A's owner holds its own links).
func (p *prober) openLinks(ctx context.Context, op *Operation, tp *template, slot Slot, h holder) error {
	for _, t := range []*Tenant{p.w.B, p.w.A} {
		if t == p.w.A && h.tenant == p.w.A {
			continue
		}
		for _, link := range t.objects(slot.Kind) {
			token := link.value(slot.Field)
			if token == "" {
				continue
			}
			want := shareWant(link, h, t)
			if want == 0 {
				p.fail(op, h.who, "declaration", "%s's link %s reports visibility %v, which the share-token rules do not define", t.Label, link.ID, link.Fields["visibility"])
				continue
			}
			var withheld []string
			if t == p.w.B {
				withheld = p.w.withheld(ctx, op, link) // first, as it may write an empty field
			}
			what := fmt.Sprintf("%s's %v link", t.Label, link.Fields["visibility"])
			got, err := p.open(ctx, op, tp, slot, h, token, want, what)
			if err != nil {
				return err
			}
			if got.ok() {
				p.withheldLeak(op, h.who, got, withheld)
			}
		}
	}
	return nil
}

// open sends the operation with token as h and checks the status (a 401 carries
// WWW-Authenticate).
func (p *prober) open(ctx context.Context, op *Operation, tp *template, slot Slot, h holder, token string, want int, what string) (Response, error) {
	got, err := p.send(ctx, op, h.who, tp.request(map[string]string{slot.Name: token}))
	if err != nil {
		return got, err
	}
	switch {
	case got.Status != want:
		p.fail(op, h.who, "share-token", "with %s: want %d, got %s", what, want, got.summary())
	case want == http.StatusUnauthorized && got.Header.Get("WWW-Authenticate") == "":
		p.fail(op, h.who, "share-token", "with %s: 401 without a WWW-Authenticate header", what)
	}
	return got, nil
}

// openExpired waits, if need be, for the expiring link to expire and opens it as every holder:
// 410.
func (p *prober) openExpired(ctx context.Context, op *Operation, tp *template, slot Slot, link *Object) error {
	if link == nil {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(p.w.expiresAt.Add(expiryMargin))):
	}
	for _, h := range p.holders() {
		if _, err := p.open(ctx, op, tp, slot, h, link.value(slot.Field), http.StatusGone, "an expired link"); err != nil {
			return err
		}
	}
	return nil
}

// withheldLeak fails when an answer carries one of the withheld values, as is or JSON-escaped.
func (p *prober) withheldLeak(op *Operation, who *Principal, res Response, values []string) {
	body := string(res.Body)
	for _, v := range values {
		escaped, _ := json.Marshal(v)
		if strings.Contains(body, v) || strings.Contains(body, strings.Trim(string(escaped), `"`)) {
			p.fail(op, who, "withheld", "the answer carries %q, a withheld field's value of the shared object: %s", v, res.summary())
		}
	}
}

// surveyToken checks the survey-token rules as every holder (httpapi.SurveyToken): a random token
// of the form of the answer's example answers 404, the same bytes whoever holds it. Survey tokens
// are shown once, in the answer that completed a session, and no list names one, so the world has
// none of A's to try; the 404 of an unknown token is the whole of what a holder can learn.
func (p *prober) surveyToken(ctx context.Context, op *Operation, tp *template) error {
	ps := pathSlots(tp)
	if len(ps) != 1 {
		p.fail(op, nil, "declaration", "a credential operation takes exactly one path parameter, not %d", len(ps))
		return nil
	}
	var first *Response
	for _, h := range p.holders() {
		got, err := p.open(ctx, op, tp, ps[0], h, lookalike("tnr_csat_"+strings.Repeat("0aZ", 30)), http.StatusNotFound, "a random token")
		if err != nil {
			return err
		}
		if first == nil {
			first = &got
			continue
		}
		p.same(op, h.who, "survey-token", "a random token", got, *first)
	}
	return nil
}
