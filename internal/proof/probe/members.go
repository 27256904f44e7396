package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

func isInvitation(op *Operation) bool { return strings.Contains(op.Path, "/invitations") }

// members gives B a member of each role below owner through the document's invitation flow:
// invite (a create operation under /invitations, with an e-mail and a role), accept (a POST whose
// path says accept, with the invitation's token), then the session the acceptance or a sign-in
// returns. A role that cannot be had this way is listed as missing, never skipped in silence.
func (w *World) members(ctx context.Context) {
	inv := w.op(func(o *Operation) bool { return isInvitation(o) && w.doc.isCreate(o) })
	if inv == nil {
		w.missing("member principals (admin, operator, viewer): the document has no invitation create operation")
		return
	}
	accept := w.op(func(o *Operation) bool { return o.Method == http.MethodPost && strings.Contains(o.Path, "accept") })
	for _, role := range []string{"admin", "operator", "viewer"} {
		p, err := w.invite(ctx, w.B, inv, accept, role)
		if err != nil {
			w.missing("B %s member: %v", role, err)
			continue
		}
		w.B.Principals = append(w.B.Principals, p)
	}
	if _, err := w.invite(ctx, w.A, inv, accept, "viewer"); err != nil { // A's members are not only its owner
		w.missing("A viewer member: %v", err)
	}
}

func (w *World) invite(ctx context.Context, t *Tenant, inv, accept *Operation, role string) (*Principal, error) {
	tp, _ := w.template(inv, t, 0)
	body, _ := tp.body.(map[string]any)
	if body == nil {
		return nil, errors.New("the invitation body is not an object")
	}
	body["role"] = role
	email, _ := find(body, "email").(string)
	if email == "" {
		email = fmt.Sprintf("probe-%s@example.com", randomHex(6))
		body["email"] = email
	}
	res, err := w.send(ctx, t.Owner, inv, Request{Method: inv.Method, Path: inv.Path, Body: body})
	if err != nil || !res.ok() {
		return nil, fmt.Errorf("invite: %w %s", err, res.summary())
	}
	w.recordCreated(t, inv, res, nil)
	token, _ := find(res.json(), "token").(string)
	if token == "" && w.opts.InvitationToken != nil {
		if token, err = w.opts.InvitationToken(ctx, email); err != nil {
			return nil, fmt.Errorf("invitation token: %w", err)
		}
	}
	if token == "" {
		return nil, errors.New("the invitation's token is neither in the answer nor given by Options.InvitationToken")
	}
	if accept == nil {
		return nil, errors.New("the document has no accept operation")
	}
	return w.accept(ctx, t, accept, token, email, role)
}

// accept takes an invitation as a new user (every field of the body filled, the token in the body
// or the path) and returns the member's session.
func (w *World) accept(ctx context.Context, t *Tenant, op *Operation, token, email, role string) (*Principal, error) {
	g := w.gen(t, nil)
	g.all = true
	body, _ := g.value("", op.Body, nil)
	m, _ := body.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	password := "probe-password-" + randomHex(8)
	setFields(m, func(k string, v any) any {
		switch {
		case strings.Contains(k, "token"):
			return token
		case k == "password":
			return password
		case k == "email":
			return email
		}
		return v
	})
	path := op.Path
	for _, p := range op.pathParams() {
		path = strings.Replace(path, "{"+p.Name+"}", token, 1)
	}
	res, err := w.send(ctx, nil, op, Request{Method: op.Method, Path: path, Body: m})
	if err != nil || !res.ok() {
		return nil, fmt.Errorf("accept: %w %s", err, res.summary())
	}
	bearer, _ := find(res.json(), "access_token").(string)
	if bearer == "" {
		if bearer, err = w.login(ctx, email, password, t.Slug); err != nil {
			return nil, err
		}
	}
	p := &Principal{Name: t.Label + " " + role, Kind: "member", Role: role, Bearer: bearer, Email: email}
	if user := w.userOf(ctx, p); user != "" {
		t.Users = append(t.Users, user)
	}
	return p, nil
}

// userOf asks the API who p is (GET .../me), for the user id.
func (w *World) userOf(ctx context.Context, p *Principal) string {
	op := w.op(func(o *Operation) bool { return o.Method == http.MethodGet && strings.HasSuffix(o.Path, "/me") })
	if op == nil {
		return ""
	}
	res, err := w.send(ctx, p, op, Request{Method: op.Method, Path: op.Path})
	if err != nil || !res.ok() {
		return ""
	}
	id, _ := lookup(res.json(), "user", "id").(string)
	return id
}

// login signs in through the document's login operation.
func (w *World) login(ctx context.Context, email, password, tenant string) (string, error) {
	op := w.op(func(o *Operation) bool {
		return o.Method == http.MethodPost && strings.HasSuffix(o.Path, "/auth/login")
	})
	if op == nil {
		return "", errors.New("the document has no login operation")
	}
	res, err := w.send(ctx, nil, op, Request{Method: op.Method, Path: op.Path,
		Body: map[string]any{"email": email, "password": password, "tenant": tenant}})
	if err != nil || !res.ok() {
		return "", fmt.Errorf("login: %w %s", err, res.summary())
	}
	token, _ := find(res.json(), "access_token").(string)
	return token, nil
}

// setFields rewrites every field of a JSON tree with f.
func setFields(v any, f func(key string, v any) any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if _, nested := e.(map[string]any); nested {
				setFields(e, f)
				continue
			}
			x[k] = f(k, e)
		}
	case []any:
		for _, e := range x {
			setFields(e, f)
		}
	}
}
