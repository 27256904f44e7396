package identity

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// teamRoutes registers the teams operations: members read them (teams:read), admins manage them
// (teams:write). Another tenant's team, or a user not in the team, answers 404.
func (s *Service) teamRoutes(api huma.API, log *slog.Logger) {
	teams := httpapi.NewRoutes(api, log).Tag("Teams")
	read, write := httpapi.Viewer("teams:read"), httpapi.Admin("teams:write")
	const nf, cf = http.StatusNotFound, http.StatusConflict

	httpapi.Get(teams, "/api/v1/teams", "list-teams", read,
		s.handleListTeams, "List teams by name")
	httpapi.Post(teams.Location("/api/v1/teams/{id}"), "/api/v1/teams", "create-team", write,
		s.handleCreateTeam, "Create a team", 201, cf)
	httpapi.Get(teams, "/api/v1/teams/{id}", "get-team", read,
		s.handleGetTeam, "Get a team", nf)
	httpapi.Patch(teams, "/api/v1/teams/{id}", "rename-team", write,
		s.handleRenameTeam, "Rename a team", nf, cf)
	httpapi.Delete(teams, "/api/v1/teams/{id}", "delete-team", write,
		s.handleDeleteTeam, "Delete a team (409 while flows or library steps use it)", 204, nf, cf)
	httpapi.Get(teams, "/api/v1/teams/{id}/members", "list-team-members", read,
		s.handleListTeamMembers, "List a team's members by name", nf)
	httpapi.Post(teams.Location("/api/v1/teams/{id}/members"), "/api/v1/teams/{id}/members", "add-team-member", write,
		s.handleAddTeamMember, "Add a member of the tenant to a team", 201, nf)
	httpapi.Delete(teams, "/api/v1/teams/{id}/members/{user_id}", "remove-team-member", write,
		s.handleRemoveTeamMember, "Take a member out of a team", 204, nf)
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
	httpapi.IDInput
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
	key := func(t TeamView) teamKey { return teamKey{t.Name, uuid.MustParse(t.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *teamKey) ([]TeamView, error) {
		ts, err := s.ListTeams(ctx, size, after)
		views := make([]TeamView, 0, len(ts))
		for _, t := range ts {
			views = append(views, teamView(t))
		}
		return views, err
	})
	return &TeamsOutput{Body: page}, err
}

func (s *Service) handleCreateTeam(ctx context.Context, in *TeamInput) (*TeamOutput, error) {
	t, err := s.CreateTeam(ctx, in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{Body: teamView(t)}, nil
}

func (s *Service) handleGetTeam(ctx context.Context, in *httpapi.IDInput) (*TeamOutput, error) {
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

func (s *Service) handleDeleteTeam(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteTeam(ctx, in.ID)
}

// TeamMembersInput pages through a team's members.
type TeamMembersInput struct {
	httpapi.IDInput
	httpapi.PageInput
}

// TeamMembersOutput is a page of a team's members.
type TeamMembersOutput struct {
	Body httpapi.Page[TeamMemberView]
}

func (s *Service) handleListTeamMembers(ctx context.Context, in *TeamMembersInput) (*TeamMembersOutput, error) {
	key := func(m TeamMemberView) teamMemberKey { return teamMemberKey{m.Name, uuid.MustParse(m.UserID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *teamMemberKey) ([]TeamMemberView, error) {
		ms, err := s.ListTeamMembers(ctx, in.ID, size, after)
		views := make([]TeamMemberView, 0, len(ms))
		for _, m := range ms {
			views = append(views, teamMemberView(m))
		}
		return views, err
	})
	return &TeamMembersOutput{Body: page}, err
}

// AddTeamMemberInput adds a member to a team.
type AddTeamMemberInput struct {
	httpapi.IDInput
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
	httpapi.IDInput
	RawUserID string    `path:"user_id" format:"uuid" doc:"The member's user id"`
	UserID    uuid.UUID `json:"-"`
}

func (s *Service) handleRemoveTeamMember(ctx context.Context, in *RemoveTeamMemberInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.RemoveTeamMember(ctx, in.ID, in.UserID)
}

// Resolve parses the user id Huma has validated (huma.Resolver); see httpapi.IDInput.
func (in *RemoveTeamMemberInput) Resolve(ctx huma.Context) []error {
	in.UserID, _ = uuid.Parse(in.RawUserID)
	return in.IDInput.Resolve(ctx)
}
