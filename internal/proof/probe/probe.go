package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Options configure a run.
type Options struct {
	URL        string       // the server's base URL, e.g. http://127.0.0.1:8080
	HTTPClient *http.Client // default: a client with a 30 s timeout
	// RowHashes returns a hash of each of a tenant's tables (table -> hash), read under the
	// application's row-level security by a caller that can see everything (the superuser in
	// tests). Nil: A's rows are compared through A's own GETs of its objects and lists.
	RowHashes func(ctx context.Context, tenant string) (map[string]string, error)
	// InvitationToken returns the token mailed to email, when the API does not return it: the
	// invitation sent to email, or the verification link registration mails (tnr_inv_ and tnr_ver_
	// tokens). Nil: only a token in the invitation's or the registration's answer is used.
	InvitationToken func(ctx context.Context, email string) (string, error)
	Progress        io.Writer // a line per operation; nil: quiet
	// LinkExpiry is how long after it is made the expiring share link the probe makes expires
	// (default 2 s); the probe opens it once expired.
	LinkExpiry time.Duration
	// Duplicates, when above 1, adds the idempotency checks of every create operation, once the
	// probe is done, each with this many concurrent requests on one key (see idempotency).
	Duplicates int
}

// Run builds the world on the server at o.URL and probes every operation of its document.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	c := &client{base: strings.TrimRight(o.URL, "/"), http: hc}
	res, err := c.do(ctx, nil, "", Request{Method: http.MethodGet, Path: "/openapi.json"})
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if res.Status != http.StatusOK {
		return nil, fmt.Errorf("probe: GET /openapi.json: %s", res.summary())
	}
	doc, err := ParseDocument(res.Body)
	if err != nil {
		return nil, err
	}
	w := &World{doc: doc, c: c, opts: o, run: randomHex(4)}
	if err := w.build(ctx); err != nil {
		return nil, err
	}
	p := &prober{w: w, report: &Report{Missing: w.Missing}, progress: o.Progress}
	p.report.Principals = principalNames(w)
	for _, op := range probeOrder(doc.Ops) {
		r, err := p.operation(ctx, op)
		if err != nil {
			return nil, fmt.Errorf("probe: %s: %w", op, err)
		}
		p.report.Ops = append(p.report.Ops, r)
		if p.progress != nil {
			fmt.Fprintln(p.progress, r.line())
		}
	}
	if o.Duplicates > 1 {
		p.idempotency(ctx, o.Duplicates)
	}
	p.report.Missing = w.Missing
	p.report.Requests = int(c.sent.Load())
	p.report.Duration = time.Since(start)
	return p.report, nil
}

// principalNames lists B's principals, then those the declarations add: B's other members with
// B owner's objects (owner-only operations), the same members as non-authors of B owner's private
// and account objects (object rules), and the holders of share links (credentials).
func principalNames(w *World) []string {
	out := []string{"anonymous"}
	var others []string
	for _, p := range w.B.Principals {
		out = append(out, p.Name)
		if p.Kind == "member" && p != w.B.Owner {
			others = append(others, p.Name)
		}
	}
	members := strings.Join(others, ", ")
	has := func(match func(Access) bool) bool {
		return slices.ContainsFunc(w.doc.Ops, func(o *Operation) bool { return match(o.Access) })
	}
	if has(func(a Access) bool { return a.Class == "owner-only" }) {
		out = append(out, "another member ("+members+") with B owner's own objects")
	}
	if has(func(a Access) bool { return a.Objects != "" }) {
		out = append(out, "a member who sees but did not write ("+members+") on B owner's private and account objects")
	}
	if has(func(a Access) bool { return a.Credential != "" }) {
		out = append(out, "anonymous holder", "foreign holder (A owner)", "B's members and keys as holders")
	}
	return out
}

// probeOrder reads before it writes and deletes last. Within a method, tenant administration
// without ids that API keys cannot call (settings, secrets) comes after the rest, since it changes
// how the tenant's later requests behave (an ingest secret makes ingest demand a signature); a
// DELETE without ids comes at the very end (a tenant-wide DELETE would end B's world).
func probeOrder(ops []*Operation) []*Operation {
	rank := func(op *Operation) int {
		r := 10 * map[string]int{http.MethodGet: 0, http.MethodPost: 1, http.MethodPut: 2, http.MethodPatch: 3, http.MethodDelete: 4}[op.Method]
		if len(op.pathParams()) == 0 && op.Access.Class == "tenant" && op.Access.Scope == "" && op.Method != http.MethodGet {
			r += 5
		}
		if op.Method == http.MethodDelete && len(op.pathParams()) == 0 {
			r = 100
		}
		return r
	}
	out := slices.Clone(ops)
	slices.SortStableFunc(out, func(a, b *Operation) int { return rank(a) - rank(b) })
	return out
}

type prober struct {
	w        *World
	report   *Report
	progress io.Writer
	result   *OpResult
}

// expectation is what the access declaration says a principal gets, whatever the object.
type expectation int

const (
	expectAny     expectation = iota // a public operation: anything but a server error
	expectAllowed                    // neither 401 nor 403
	expect401
	expect403
)

// expect applies an operation's declaration to a principal.
func expect(a Access, p *Principal) expectation {
	if a.Class == "public" {
		return expectAny
	}
	if p == nil || p.Kind == "anonymous" {
		return expect401
	}
	isKey := p.Kind == "key"
	switch a.Class {
	case "authenticated":
		if isKey {
			return expect403
		}
		return expectAllowed
	case "tenant", "owner-only":
		if isKey && (a.Class == "owner-only" || a.Scope == "" || !p.hasScope(a.Scope)) {
			return expect403
		}
		if !roleAtLeast(p.Role, a.Role) {
			return expect403
		}
		return expectAllowed
	}
	return expect403 // platform, and any class the probe does not know: deny by default
}

var roleRank = map[string]int{"viewer": 1, "operator": 2, "admin": 3, "owner": 4}

func roleAtLeast(have, want string) bool {
	return roleRank[have] > 0 && roleRank[have] >= roleRank[want]
}

func (e expectation) String() string {
	return [...]string{"any status", "neither 401 nor 403", "401", "403"}[e]
}

// principals returns the B principals an operation is probed as: anonymous, every member, the
// every-scope key, and the keys that have exactly and all but the operation's scope.
func (p *prober) principals(op *Operation) []*Principal {
	out := []*Principal{{Name: "anonymous", Kind: "anonymous"}}
	single := false
	for _, pr := range p.w.B.Principals {
		switch {
		case pr.Kind != "key", pr == p.w.B.allKey:
		case op.Access.Scope != "" && (pr.Name == "B key only "+op.Access.Scope || pr.Name == "B key all but "+op.Access.Scope):
		case op.Access.Scope == "" && !single && strings.HasPrefix(pr.Name, "B key only "):
			single = true
		default:
			continue
		}
		out = append(out, pr)
	}
	return out
}

func (p *prober) fail(op *Operation, who *Principal, check, format string, args ...any) {
	name := ""
	if who != nil {
		name = who.Name
	}
	p.report.Findings = append(p.report.Findings, Finding{Op: op.String(), Principal: name, Check: check, Detail: fmt.Sprintf(format, args...)})
	p.result.Findings++
}
