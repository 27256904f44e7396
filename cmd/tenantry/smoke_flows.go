package main

import (
	"bytes"
	"context"
	"net/http"

	"github.com/google/uuid"
)

// smokeGraph is the flow the smoke test publishes: one question, two resolutions.
var smokeGraph = map[string]any{"nodes": []map[string]any{
	{"id": "check", "type": "question", "start": true, "title": "Does the smoke test pass?", "options": []map[string]any{
		{"id": "yes", "label": "Yes", "next": "passed"}, {"id": "no", "label": "No", "next": "failed"}}},
	{"id": "passed", "type": "resolution", "title": "Passed", "outcome": "resolved"},
	{"id": "failed", "type": "resolution", "title": "Failed", "outcome": "escalated"},
}}

// flows: A publishes a flow visible to its whole tenant and runs a session to its resolution; B
// gets the same 404 for A's flow as for a random id, and 404 for A's session; A's other member
// reads the flow but gets 404 for A's session (owner-only); a share link opens anonymously only
// when public (an account share answers 401), and answers 404 once revoked.
func (s *smoke) flows(ctx context.Context, a, b *smokeTenant) {
	needs := []string{"POST /api/v1/flows", "POST /api/v1/sessions", "POST /api/v1/sessions/{id}/shares", "GET /api/v1/share/{token}"}
	for _, op := range needs {
		if !s.ops[op] {
			s.line("SKIP", "flows: B cannot see A's flow, sessions are owner-only, shares", "the server has no "+op)
			return
		}
	}
	flow := s.publishFlow(ctx, a)
	if flow == "" {
		return
	}
	session := s.runSession(ctx, a, flow)
	if session == "" {
		return
	}
	r := s.do(ctx, "GET", "/api/v1/flows/"+flow, b.token, nil)
	random := s.do(ctx, "GET", "/api/v1/flows/"+uuid.NewString(), b.token, nil)
	s.check(r.status == 404 && bytes.Equal(r.body, random.body), "B gets 404 for A's flow, identical to a random id's",
		r.String()+" vs "+random.String())
	r = s.do(ctx, "GET", "/api/v1/sessions/"+session, b.token, nil)
	s.check(r.status == 404, "B gets 404 for A's session", r.String())
	s.otherMember(ctx, a, flow, session)
	s.shares(ctx, a, session)
}

// publishFlow creates the smoke flow in t, visible to the tenant, and publishes it; "" on failure.
func (s *smoke) publishFlow(ctx context.Context, t *smokeTenant) string {
	r := s.do(ctx, "POST", "/api/v1/flows", t.token, map[string]any{"kind": "troubleshooting", "title": "Smoke flow " + s.tag,
		"visibility": "account", "graph": smokeGraph})
	id := r.field("id")
	if !s.check(r.status == 201 && id != "", t.name+" creates a flow", r.String()) {
		return ""
	}
	r = s.do(ctx, "POST", "/api/v1/flows/"+id+"/publish", t.token, nil)
	if !s.check(r.status == 201 && r.field("flow_id") == id, t.name+" publishes its flow", r.String()) {
		return ""
	}
	return id
}

// runSession starts a session on the flow and takes it to its resolution; "" on failure.
func (s *smoke) runSession(ctx context.Context, t *smokeTenant, flow string) string {
	r := s.do(ctx, "POST", "/api/v1/sessions", t.token, map[string]any{"flow_id": flow, "ticket_number": "SMOKE-" + s.tag})
	id := r.field("id")
	if !s.check(r.status == 201 && id != "", t.name+" starts a session on its flow", r.String()) {
		return ""
	}
	r = s.do(ctx, "POST", "/api/v1/sessions/"+id+"/decisions", t.token, map[string]any{"option_id": "yes", "note": "smoke"})
	if !s.check(r.status == 200 && r.field("status") == "completed" && r.field("outcome") == "resolved",
		t.name+" completes the session at its resolution", r.String()) {
		return ""
	}
	return id
}

// otherMember invites a second member into t (the invitation token comes from the development
// mail directory) who can read t's flow but gets 404 for its owner's session.
func (s *smoke) otherMember(ctx context.Context, t *smokeTenant, flow, session string) {
	const what = "A's other member reads A's flow but gets 404 for A's session"
	if s.invitationToken == nil {
		s.line("SKIP", what, "no mail directory to read the invitation from (--mail-dir)")
		return
	}
	email := "smoke-member-" + s.tag + "@example.com"
	r := s.do(ctx, "POST", "/api/v1/invitations", t.token, map[string]any{"email": email, "role": "operator"})
	if !s.check(r.status == 201, t.name+" invites a second member", r.String()) {
		return
	}
	token, err := s.invitationToken(ctx, email)
	if err != nil {
		s.check(false, what, err.Error())
		return
	}
	r = s.do(ctx, "POST", "/api/v1/invitations/accept", "", map[string]any{"token": token, "name": "Smoke member",
		"password": "smoke member password " + s.tag})
	member := r.field("access_token")
	if !s.check(r.status == 200 && member != "", "the member accepts the invitation", r.String()) {
		return
	}
	f := s.do(ctx, "GET", "/api/v1/flows/"+flow, member, nil)
	r = s.do(ctx, "GET", "/api/v1/sessions/"+session, member, nil)
	s.check(f.status == 200 && r.status == 404, what, "flow: "+f.String()+"; session: "+r.String())
}

// shares: an account share answers 401 without credentials; a public share is refused (403)
// until the tenant allows them, then opens anonymously; revoked, it answers 404.
func (s *smoke) shares(ctx context.Context, t *smokeTenant, session string) {
	path := "/api/v1/sessions/" + session + "/shares"
	r := s.do(ctx, "POST", path, t.token, map[string]any{"visibility": "account"})
	if !s.check(r.status == 201 && r.field("token") != "", t.name+" shares its session with its tenant", r.String()) {
		return
	}
	r = s.do(ctx, "GET", "/api/v1/share/"+r.field("token"), "", nil)
	s.check(r.status == http.StatusUnauthorized, "the account share without signing in: 401", r.String())
	r = s.do(ctx, "POST", path, t.token, map[string]any{"visibility": "public"})
	s.check(r.status == http.StatusForbidden, t.name+" cannot share publicly before its tenant allows it (403)", r.String())
	r = s.do(ctx, "PATCH", "/api/v1/flows/settings", t.token, map[string]any{"allow_public_shares": true})
	if !s.check(r.status == 200, t.name+" allows public shares", r.String()) {
		return
	}
	r = s.do(ctx, "POST", path, t.token, map[string]any{"visibility": "public"})
	id, token := r.field("id"), r.field("token")
	if !s.check(r.status == 201 && token != "", t.name+" shares its session publicly", r.String()) {
		return
	}
	r = s.do(ctx, "GET", "/api/v1/share/"+token, "", nil)
	s.check(r.status == 200 && r.field("ticket_number") == "SMOKE-"+s.tag, "the public share opens without signing in", r.String())
	r = s.do(ctx, "DELETE", "/api/v1/shares/"+id, t.token, nil)
	if !s.check(r.status == http.StatusNoContent, t.name+" revokes the public share", r.String()) {
		return
	}
	r = s.do(ctx, "GET", "/api/v1/share/"+token, "", nil)
	s.check(r.status == 404, "the revoked share answers 404", r.String())
}
