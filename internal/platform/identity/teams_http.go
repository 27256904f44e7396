package identity

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// teamRoutes registers the teams operations: members read them (teams:read), admins manage them
// (teams:write). Another tenant's team, or a user not in the team, answers 404.
func (s *Service) teamRoutes(api huma.API, log *slog.Logger) {
	read := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleViewer, Scope: "teams:read"}
	write := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleAdmin, Scope: "teams:write"}
	op := func(id, method, path, summary string, status int, errors ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"Teams"},
			DefaultStatus: status, Errors: errors}
	}
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	const created, none = http.StatusCreated, http.StatusNoContent
	httpapi.Register(api, log, op("list-teams", get, "/api/v1/teams", "List teams by name", 0), read, s.handleListTeams)
	httpapi.Register(api, log, op("create-team", post, "/api/v1/teams", "Create a team", created, 409), write, s.handleCreateTeam)
	httpapi.Register(api, log, op("get-team", get, "/api/v1/teams/{id}", "Get a team", 0, 404), read, s.handleGetTeam)
	httpapi.Register(api, log, op("rename-team", patch, "/api/v1/teams/{id}", "Rename a team", 0, 404, 409), write, s.handleRenameTeam)
	httpapi.Register(api, log, op("delete-team", del, "/api/v1/teams/{id}",
		"Delete a team (409 while flows or library steps use it)", none, 404, 409), write, s.handleDeleteTeam)
	httpapi.Register(api, log, op("list-team-members", get, "/api/v1/teams/{id}/members", "List a team's members by name", 0, 404),
		read, s.handleListTeamMembers)
	httpapi.Register(api, log, op("add-team-member", post, "/api/v1/teams/{id}/members", "Add a member of the tenant to a team", created, 404),
		write, s.handleAddTeamMember)
	httpapi.Register(api, log, op("remove-team-member", del, "/api/v1/teams/{id}/members/{user_id}", "Take a member out of a team", none, 404),
		write, s.handleRemoveTeamMember)
}

// TeamView is a team in responses.
type TeamView struct {
	ID          string    `json:"id" format:"uuid"`
	Name        string    `json:"name"`
	MemberCount int64     `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func teamView(t Team) TeamView {
	return TeamView{ID: t.ID.String(), Name: t.Name, MemberCount: t.MemberCount, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// TeamMemberView is a team member in responses.
type TeamMemberView struct {
	UserID  string    `json:"user_id" format:"uuid"`
	Name    string    `json:"name"`
	AddedAt time.Time `json:"added_at"`
}

func teamMemberView(m TeamMember) TeamMemberView {
	return TeamMemberView{UserID: m.UserID.String(), Name: m.Name, AddedAt: m.AddedAt}
}

// TeamBody names a team.
type TeamBody struct {
	Name string `json:"name" minLength:"1" maxLength:"100" example:"Service desk"`
}

// TeamInput creates a team.
type TeamInput struct {
	Body TeamBody
}

// RenameTeamInput renames a team.
type RenameTeamInput struct {
	ID   uuid.UUID `path:"id"`
	Body TeamBody
}

// TeamOutput is one team.
type TeamOutput struct {
	Body TeamView
}

// TeamsOutput is a page of teams.
type TeamsOutput struct {
	Body httpapi.Page[TeamView]
}

func (s *Service) handleListTeams(ctx context.Context, in *ListInput) (*TeamsOutput, error) {
	p, err := s.ListTeams(ctx, in.PageInput)
	if err != nil {
		return nil, err
	}
	out := &TeamsOutput{Body: httpapi.Page[TeamView]{NextCursor: p.NextCursor, Items: make([]TeamView, 0, len(p.Items))}}
	for _, t := range p.Items {
		out.Body.Items = append(out.Body.Items, teamView(t))
	}
	return out, nil
}

func (s *Service) handleCreateTeam(ctx context.Context, in *TeamInput) (*TeamOutput, error) {
	t, err := s.CreateTeam(ctx, in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{Body: teamView(t)}, nil
}

func (s *Service) handleGetTeam(ctx context.Context, in *IDInput) (*TeamOutput, error) {
	t, err := s.GetTeam(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{Body: teamView(t)}, nil
}

func (s *Service) handleRenameTeam(ctx context.Context, in *RenameTeamInput) (*TeamOutput, error) {
	t, err := s.RenameTeam(ctx, in.ID, in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{Body: teamView(t)}, nil
}

func (s *Service) handleDeleteTeam(ctx context.Context, in *IDInput) (*struct{}, error) {
	return &struct{}{}, s.DeleteTeam(ctx, in.ID)
}

// TeamMembersInput pages through a team's members.
type TeamMembersInput struct {
	ID uuid.UUID `path:"id"`
	httpapi.PageInput
}

// TeamMembersOutput is a page of a team's members.
type TeamMembersOutput struct {
	Body httpapi.Page[TeamMemberView]
}

func (s *Service) handleListTeamMembers(ctx context.Context, in *TeamMembersInput) (*TeamMembersOutput, error) {
	p, err := s.ListTeamMembers(ctx, in.ID, in.PageInput)
	if err != nil {
		return nil, err
	}
	out := &TeamMembersOutput{Body: httpapi.Page[TeamMemberView]{NextCursor: p.NextCursor, Items: make([]TeamMemberView, 0, len(p.Items))}}
	for _, m := range p.Items {
		out.Body.Items = append(out.Body.Items, teamMemberView(m))
	}
	return out, nil
}

// AddTeamMemberInput adds a member to a team.
type AddTeamMemberInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		UserID uuid.UUID `json:"user_id" doc:"The user id of a member of this tenant"`
	}
}

// TeamMemberOutput is one team member.
type TeamMemberOutput struct {
	Body TeamMemberView
}

func (s *Service) handleAddTeamMember(ctx context.Context, in *AddTeamMemberInput) (*TeamMemberOutput, error) {
	m, err := s.AddTeamMember(ctx, in.ID, in.Body.UserID)
	if err != nil {
		return nil, err
	}
	return &TeamMemberOutput{Body: teamMemberView(m)}, nil
}

// RemoveTeamMemberInput names a member of a team.
type RemoveTeamMemberInput struct {
	ID     uuid.UUID `path:"id"`
	UserID uuid.UUID `path:"user_id"`
}

func (s *Service) handleRemoveTeamMember(ctx context.Context, in *RemoveTeamMemberInput) (*struct{}, error) {
	return &struct{}{}, s.RemoveTeamMember(ctx, in.ID, in.UserID)
}
