package probe

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Object is one resource of the world.
type Object struct {
	Kind, ID string
	Parents  map[string]string // kind -> id of the objects it was created under or with
	Fields   map[string]any    // as the API returned it
}

// Tenant is one side of the world.
type Tenant struct {
	Label      string // "A" or "B"
	ID         string
	Slug       string
	Owner      *Principal
	Users      []string
	Objects    map[string][]*Object
	Principals []*Principal // every principal of the tenant, the owner first
	text       string       // prefix of free text: a canary in A, plain text in B
	allKey     *Principal   // an API key with every scope
}

// objects returns the tenant's objects of a kind; the tenant and its users are kinds too.
func (t *Tenant) objects(kind string) []*Object {
	switch kind {
	case kindTenant:
		return []*Object{{Kind: kindTenant, ID: t.ID, Fields: map[string]any{"id": t.ID, "slug": t.Slug}}}
	case kindUser:
		out := make([]*Object, 0, len(t.Users))
		for _, u := range t.Users {
			out = append(out, &Object{Kind: kindUser, ID: u})
		}
		return out
	}
	return t.Objects[kind]
}

// add records an object once: by its id, or, for an object without one (a version named by its
// number), by its parents and fields.
func (t *Tenant) add(o *Object) {
	for _, have := range t.Objects[o.Kind] {
		if have.ID == o.ID && (o.ID != "" || fmt.Sprint(have.Parents, have.Fields) == fmt.Sprint(o.Parents, o.Fields)) {
			return
		}
	}
	t.Objects[o.Kind] = append(t.Objects[o.Kind], o)
}

// World is the two tenants and what could not be built, with the reason.
type World struct {
	doc     *Document
	c       *client
	opts    Options
	run     string // this run's random tag, part of every canary
	seq     int
	A, B    *Tenant
	Missing []string // kinds, principals and flows the probe could not build, with the reason

	produced   bool
	readied    map[string]bool     // objects whose actions ran (ready)
	withheldOf map[string][]string // withheld values by shared object (withheld)
	expiring   map[string]*Object  // by kind of credential: a link of B's that expires at expiresAt
	expiresAt  time.Time
	revoked    map[string]*Object // by kind of credential: a revoked link of B's

	// The idempotency checks (Options.Duplicates): creates send dup concurrent requests per key.
	dup        int
	dupFailed  error    // what the duplicates showed wrong
	dupReq     *Request // the request of the last successful create, with its key
	dupRes     Response // its fresh answer
	dupLastReq Request  // the last request sent as duplicates, and an answer, for the findings
	dupLastRes Response
}

// canaryPrefix is the start of every canary of this run.
func (w *World) canaryPrefix() string { return "CANARY-A-" + w.run }

func (w *World) gen(t *Tenant, ref func(string) string) *gen {
	if ref == nil {
		ref = func(string) string { return "" }
	}
	return &gen{doc: w.doc, rnd: rnd(), canary: t.text, seq: &w.seq, ref: ref}
}

func (w *World) missing(format string, args ...any) {
	w.Missing = append(w.Missing, fmt.Sprintf(format, args...))
}

// build registers both tenants and fills them.
func (w *World) build(ctx context.Context) error {
	w.A = &Tenant{Label: "A", Objects: map[string][]*Object{}, text: w.canaryPrefix()}
	w.B = &Tenant{Label: "B", Objects: map[string][]*Object{}, text: "probe-b-" + w.run}
	for _, t := range []*Tenant{w.A, w.B} {
		if err := w.register(ctx, t); err != nil {
			return err
		}
	}
	w.apiKeys(ctx)
	w.members(ctx)
	w.allowAll(ctx)
	w.createAll(ctx)
	w.credentialLinks(ctx)
	return nil
}

func (w *World) op(match func(*Operation) bool) *Operation {
	for _, op := range w.doc.Ops {
		if match(op) {
			return op
		}
	}
	return nil
}

// register signs a tenant up through the document's registration operation.
func (w *World) register(ctx context.Context, t *Tenant) error {
	op := w.op(func(o *Operation) bool {
		return o.Method == http.MethodPost && strings.HasSuffix(o.Path, "/auth/register")
	})
	if op == nil {
		return errors.New("probe: the document has no POST .../auth/register; cannot build tenants")
	}
	var last Response
	for range 3 { // a generated slug or e-mail may clash with an earlier run
		body, _ := w.gen(t, nil).value("", op.Body, nil)
		res, err := w.c.do(ctx, nil, "", Request{Method: op.Method, Path: op.Path, Body: body})
		if err != nil {
			return err
		}
		last = res
		if !res.ok() {
			continue
		}
		v := res.json()
		email, _ := lookup(body, "user", "email").(string)
		if find(v, "access_token") == nil { // the session comes by mail: follow the verification link
			if v, res, err = w.verify(ctx, email); err != nil {
				return err
			}
		}
		t.ID, _ = find(v, "tenant_id").(string)
		if id, ok := lookup(v, "tenant", "id").(string); ok {
			t.ID = id
		}
		t.Slug, _ = lookup(body, "tenant", "slug").(string)
		token, _ := find(v, "access_token").(string)
		if t.ID == "" || token == "" {
			return fmt.Errorf("probe: register: no tenant id or access_token in %s", res.summary())
		}
		user, err := w.userID(ctx, v, token)
		if err != nil {
			return err
		}
		t.Users = append(t.Users, user)
		t.Owner = &Principal{Name: t.Label + " owner", Kind: "member", Role: "owner", Bearer: token, Email: email}
		t.Principals = append(t.Principals, t.Owner)
		return nil
	}
	return fmt.Errorf("probe: register tenant %s: %s", t.Label, last.summary())
}

// verify follows the verification link registration mailed to email (Options.InvitationToken reads
// it) through the document's POST .../auth/verify-email, and returns its answer.
func (w *World) verify(ctx context.Context, email string) (any, Response, error) {
	op := w.op(func(o *Operation) bool {
		return o.Method == http.MethodPost && strings.HasSuffix(o.Path, "/auth/verify-email")
	})
	if op == nil || w.opts.InvitationToken == nil {
		return nil, Response{}, errors.New("probe: register: no session in the answer, and no verify-email operation or mail to follow")
	}
	token, err := w.opts.InvitationToken(ctx, email)
	if err != nil {
		return nil, Response{}, fmt.Errorf("probe: register: %w", err)
	}
	res, err := w.c.do(ctx, nil, "", Request{Method: op.Method, Path: op.Path, Body: map[string]any{"token": token}})
	if err != nil {
		return nil, res, err
	}
	if !res.ok() {
		return nil, res, fmt.Errorf("probe: verify e-mail: %s", res.summary())
	}
	return res.json(), res, nil
}

// userID is the registered user's id: in the answer, or else from GET .../me.
func (w *World) userID(ctx context.Context, v any, token string) (string, error) {
	if id, ok := lookup(v, "user", "id").(string); ok {
		return id, nil
	}
	op := w.op(func(o *Operation) bool { return o.Method == http.MethodGet && strings.HasSuffix(o.Path, "/me") })
	if op == nil {
		return "", errors.New("probe: register: no user id in the answer and no GET .../me")
	}
	res, err := w.c.do(ctx, &Principal{Kind: "member", Bearer: token}, "", Request{Method: op.Method, Path: op.Path})
	if err != nil {
		return "", err
	}
	id, _ := lookup(res.json(), "user", "id").(string)
	if id == "" {
		return "", fmt.Errorf("probe: register: no user id from %s", res.summary())
	}
	return id, nil
}

// lookup follows a path of object keys.
func lookup(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// find returns the first value under key anywhere in v (depth first).
func find(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		if got, ok := x[key]; ok {
			return got
		}
		for _, k := range sortedKeys(x) {
			if got := find(x[k], key); got != nil {
				return got
			}
		}
	case []any:
		for _, e := range x {
			if got := find(e, key); got != nil {
				return got
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// send sends a request as p with the operation's key header.
func (w *World) send(ctx context.Context, p *Principal, op *Operation, r Request) (Response, error) {
	return w.c.do(ctx, p, op.KeyHeader, r)
}

// keyOp is the operation that creates API keys: a create operation whose body has a scope list.
func (w *World) keyOp() *Operation {
	return w.op(func(o *Operation) bool {
		b := w.doc.resolve(o.Body)
		return w.doc.isCreate(o) && b != nil && b.Properties["scopes"] != nil
	})
}

// apiKeys creates B's key principals (exactly one scope, for every documented scope; every scope;
// every scope but one) and an every-scope key for A, used to reach operations only keys may call.
// A scope that key creation refuses is listed as missing.
func (w *World) apiKeys(ctx context.Context) {
	op := w.keyOp()
	if op == nil {
		w.missing("API-key principals: the document has no API-key create operation")
		return
	}
	var all []string
	for _, s := range w.doc.Scopes {
		if k := w.newKey(ctx, w.B, op, "only "+s, []string{s}); k != nil {
			all = append(all, s)
			w.B.Principals = append(w.B.Principals, k)
		}
	}
	for _, t := range []*Tenant{w.A, w.B} {
		if k := w.newKey(ctx, t, op, "every scope", all); k != nil {
			t.allKey = k
			t.Principals = append(t.Principals, k)
		}
	}
	for _, s := range all {
		rest := slices.DeleteFunc(slices.Clone(all), func(x string) bool { return x == s })
		if k := w.newKey(ctx, w.B, op, "all but "+s, rest); k != nil {
			w.B.Principals = append(w.B.Principals, k)
		}
	}
}

func (w *World) keyBody(t *Tenant, op *Operation, scopes []string) map[string]any {
	body, _ := w.gen(t, nil).value("", op.Body, nil)
	m, _ := body.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m["scopes"] = scopes
	return m
}

func (w *World) newKey(ctx context.Context, t *Tenant, op *Operation, what string, scopes []string) *Principal {
	if len(scopes) == 0 {
		return nil
	}
	res, err := w.send(ctx, t.Owner, op, Request{Method: op.Method, Path: op.Path, Body: w.keyBody(t, op, scopes)})
	if err != nil || !res.ok() {
		w.missing("%s API key with %s: %v %s", t.Label, what, err, res.summary())
		return nil
	}
	secret := secretOf(res.json())
	if secret == "" {
		w.missing("%s API key with %s: no secret in the create response", t.Label, what)
		return nil
	}
	w.recordCreated(t, op, res, nil)
	role, _ := find(res.json(), "role").(string)
	if role == "" {
		role = "owner"
	}
	return &Principal{Name: t.Label + " key " + what, Kind: "key", Role: role, Scopes: scopes, Key: secret}
}

// secretOf finds the one-time secret in a key's create response.
func secretOf(v any) string {
	for _, name := range []string{"key", "secret", "api_key", "token"} {
		if s, ok := find(v, name).(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// recordCreated adds the object a create operation answered with to t. A create that answers with
// the parent it made the object under (a session, after adding a custom step to it) made the
// newest item of the parent's list named after the collection ("custom_steps").
func (w *World) recordCreated(t *Tenant, op *Operation, res Response, parents map[string]string) *Object {
	v := res.json()
	id, _ := find(v, "id").(string)
	fields, _ := v.(map[string]any)
	kind := w.doc.opKind(op.Path)
	if id != "" && slices.Contains(slices.Collect(maps.Values(parents)), id) {
		fields = t.newItem(kind, lookup(v, strings.ReplaceAll(segments(op.Path)[len(segments(op.Path))-1], "-", "_")))
		id, _ = fields["id"].(string)
	}
	if id == "" {
		return nil
	}
	o := &Object{Kind: kind, ID: id, Parents: parents, Fields: fields}
	t.add(o)
	return o
}

// newItem returns the last item of a list whose id is not yet one of t's objects of kind.
func (t *Tenant) newItem(kind string, list any) map[string]any {
	all := items(list)
	for i := len(all) - 1; i >= 0; i-- {
		id, _ := all[i]["id"].(string)
		if id != "" && !slices.ContainsFunc(t.Objects[kind], func(o *Object) bool { return o.ID == id }) {
			return all[i]
		}
	}
	return nil
}
