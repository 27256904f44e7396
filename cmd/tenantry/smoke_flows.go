package main

import (
	"bytes"
	"context"
	"net/http"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tenantry/tenantry/pkg/client"
)

// smokeGraph is the flow the smoke test publishes: one question, two resolutions.
func smokeGraph() *client.Graph {
	start, resolved, escalated := true, "resolved", "escalated"
	options := []client.Option{{Id: "yes", Label: "Yes", Next: "passed"}, {Id: "no", Label: "No", Next: "failed"}}
	return &client.Graph{Nodes: []client.Node{
		{Id: "check", Type: "question", Start: &start, Title: "Does the smoke test pass?", Options: &options},
		{Id: "passed", Type: "resolution", Title: "Passed", Outcome: &resolved},
		{Id: "failed", Type: "resolution", Title: "Failed", Outcome: &escalated},
	}}
}

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
	flow, ok := s.publishFlow(ctx, a)
	if !ok {
		return
	}
	session, ok := s.runSession(ctx, a, flow)
	if !ok {
		return
	}
	r := answer(s.api.GetFlowWithResponse(ctx, flow, nil, as(b.token)...))
	random := answer(s.api.GetFlowWithResponse(ctx, uuid.New(), nil, as(b.token)...))
	s.check(r.status == 404 && bytes.Equal(r.body, random.body), "B gets 404 for A's flow, identical to a random id's",
		r.String()+" vs "+random.String())
	r = answer(s.api.GetSessionWithResponse(ctx, session, nil, as(b.token)...))
	s.check(r.status == 404, "B gets 404 for A's session", r.String())
	s.otherMember(ctx, a, flow, session)
	s.shares(ctx, a, session)
}

// publishFlow creates the smoke flow in t, visible to the tenant, and publishes it.
func (s *smoke) publishFlow(ctx context.Context, t *smokeTenant) (uuid.UUID, bool) {
	visibility := client.CreateFlowInputBodyVisibilityAccount
	created, err := s.api.CreateFlowWithResponse(ctx, nil, client.CreateFlowJSONRequestBody{Kind: client.CreateFlowInputBodyKindTroubleshooting,
		Title: "Smoke flow " + s.tag, Visibility: &visibility, Graph: smokeGraph()}, as(t.token)...)
	if !s.check(err == nil && created.JSON201 != nil, t.name+" creates a flow", answer(created, err).String()) {
		return uuid.Nil, false
	}
	id := created.JSON201.Id
	published, err := s.api.PublishFlowWithResponse(ctx, id, nil, as(t.token)...)
	if !s.check(err == nil && published.JSON201 != nil && published.JSON201.FlowId == id, t.name+" publishes its flow",
		answer(published, err).String()) {
		return uuid.Nil, false
	}
	return id, true
}

// runSession starts a session on the flow and takes it to its resolution.
func (s *smoke) runSession(ctx context.Context, t *smokeTenant, flow uuid.UUID) (uuid.UUID, bool) {
	ticket, note := "SMOKE-"+s.tag, "smoke"
	started, err := s.api.CreateSessionWithResponse(ctx, nil, client.CreateSessionJSONRequestBody{FlowId: flow, TicketNumber: &ticket}, as(t.token)...)
	if !s.check(err == nil && started.JSON201 != nil, t.name+" starts a session on its flow", answer(started, err).String()) {
		return uuid.Nil, false
	}
	id := started.JSON201.Id
	decided, err := s.api.DecideSessionWithResponse(ctx, id, client.DecideSessionJSONRequestBody{OptionId: "yes", Note: &note}, as(t.token)...)
	done := err == nil && decided.JSON200 != nil && decided.JSON200.Status == client.FlowSessionStatusCompleted &&
		decided.JSON200.Outcome != nil && *decided.JSON200.Outcome == client.FlowSessionOutcomeResolved
	if !s.check(done, t.name+" completes the session at its resolution", answer(decided, err).String()) {
		return uuid.Nil, false
	}
	return id, true
}

// otherMember invites a second member into t (the invitation token comes from the development
// mail directory) who can read t's flow but gets 404 for its owner's session.
func (s *smoke) otherMember(ctx context.Context, t *smokeTenant, flow, session uuid.UUID) {
	const what = "A's other member reads A's flow but gets 404 for A's session"
	if s.invitationToken == nil {
		s.line("SKIP", what, "no mail directory to read the invitation from (--mail-dir)")
		return
	}
	email := "smoke-member-" + s.tag + "@example.com"
	r := answer(s.api.CreateInvitationWithResponse(ctx, nil, client.CreateInvitationJSONRequestBody{Email: openapi_types.Email(email),
		Role: client.InviteInputBodyRoleOperator}, as(t.token)...))
	if !s.check(r.status == 201, t.name+" invites a second member", r.String()) {
		return
	}
	token, err := s.invitationToken(ctx, email)
	if err != nil {
		s.check(false, what, err.Error())
		return
	}
	name, password := "Smoke member", "smoke member password "+s.tag
	accepted, err := s.api.AcceptInvitationWithResponse(ctx, nil, client.AcceptInvitationJSONRequestBody{Token: &token, Name: &name, Password: &password})
	if !s.check(err == nil && accepted.JSON200 != nil && accepted.JSON200.AccessToken != "", "the member accepts the invitation",
		answer(accepted, err).String()) {
		return
	}
	member := accepted.JSON200.AccessToken
	f := answer(s.api.GetFlowWithResponse(ctx, flow, nil, as(member)...))
	r = answer(s.api.GetSessionWithResponse(ctx, session, nil, as(member)...))
	s.check(f.status == 200 && r.status == 404, what, "flow: "+f.String()+"; session: "+r.String())
}

// shares: an account share answers 401 without credentials; a public share is refused (403)
// until the tenant allows them, then opens anonymously; revoked, it answers 404.
func (s *smoke) shares(ctx context.Context, t *smokeTenant, session uuid.UUID) {
	share := func(v client.CreateShareInputBodyVisibility) (*client.CreateSessionShareResponse, error) {
		return s.api.CreateSessionShareWithResponse(ctx, session, nil, client.CreateSessionShareJSONRequestBody{Visibility: v}, as(t.token)...)
	}
	account, err := share(client.CreateShareInputBodyVisibilityAccount)
	if !s.check(err == nil && account.JSON201 != nil && account.JSON201.Token != "", t.name+" shares its session with its tenant",
		answer(account, err).String()) {
		return
	}
	r := answer(s.api.OpenShareWithResponse(ctx, account.JSON201.Token, nil))
	s.check(r.status == http.StatusUnauthorized, "the account share without signing in: 401", r.String())
	r = answer(share(client.CreateShareInputBodyVisibilityPublic))
	s.check(r.status == http.StatusForbidden, t.name+" cannot share publicly before its tenant allows it (403)", r.String())
	allow := true
	r = answer(s.api.UpdateFlowsSettingsWithResponse(ctx, client.UpdateFlowsSettingsJSONRequestBody{AllowPublicShares: &allow}, as(t.token)...))
	if !s.check(r.status == 200, t.name+" allows public shares", r.String()) {
		return
	}
	public, err := share(client.CreateShareInputBodyVisibilityPublic)
	if !s.check(err == nil && public.JSON201 != nil && public.JSON201.Token != "", t.name+" shares its session publicly",
		answer(public, err).String()) {
		return
	}
	opened, err := s.api.OpenShareWithResponse(ctx, public.JSON201.Token, nil)
	s.check(err == nil && opened.JSON200 != nil && opened.JSON200.TicketNumber == "SMOKE-"+s.tag, "the public share opens without signing in",
		answer(opened, err).String())
	id, err := uuid.Parse(public.JSON201.Id)
	if err != nil {
		s.check(false, t.name+" revokes the public share", "share id "+public.JSON201.Id)
		return
	}
	r = answer(s.api.RevokeShareWithResponse(ctx, id, as(t.token)...))
	if !s.check(r.status == http.StatusNoContent, t.name+" revokes the public share", r.String()) {
		return
	}
	r = answer(s.api.OpenShareWithResponse(ctx, public.JSON201.Token, nil))
	s.check(r.status == 404, "the revoked share answers 404", r.String())
}
