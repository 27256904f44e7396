package identity

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// TeamRoutes exposes teamRoutes to the tests until the lead wires it into Routes.
var TeamRoutes = (*Service).teamRoutes

// ListTeamsPage pages through ListTeams as the list operation does.
func ListTeamsPage(ctx context.Context, s *Service, p httpapi.PageInput) (httpapi.Page[Team], error) {
	key := func(t Team) teamKey { return teamKey{t.Name, t.ID} }
	return httpapi.List(p, key, func(size int, after *teamKey) ([]Team, error) { return s.ListTeams(ctx, size, after) })
}

// ListTeamMembersPage pages through ListTeamMembers as the list operation does.
func ListTeamMembersPage(ctx context.Context, s *Service, team uuid.UUID, p httpapi.PageInput) (httpapi.Page[TeamMember], error) {
	key := func(m TeamMember) teamMemberKey { return teamMemberKey{m.Name, m.UserID} }
	return httpapi.List(p, key, func(size int, after *teamMemberKey) ([]TeamMember, error) {
		return s.ListTeamMembers(ctx, team, size, after)
	})
}
