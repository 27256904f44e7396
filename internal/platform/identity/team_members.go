package identity

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// AddTeamMember adds a member of the tenant to a team; adding someone already in the team changes
// nothing. An unknown team is NotFound; a user who is not a member of this tenant (whether or not
// the user exists elsewhere) is Invalid on body.user_id.
func (s *Service) AddTeamMember(ctx context.Context, team, user uuid.UUID) (TeamMember, error) {
	var out TeamMember
	err := s.teamTx(ctx, team, func(st *store.Queries, q postgres.Querier, tenant tenancy.TenantID) error {
		added, err := st.AddTeamMember(ctx, store.AddTeamMemberParams{TenantID: tenant.UUID(), TeamID: team, UserID: user})
		if postgres.IsCode(err, "23503") { // the membership key: not a member of this tenant
			return errs.Invalidf("body.user_id", "not a member of this tenant")
		}
		if err != nil {
			return err
		}
		if added == 1 {
			if err := audit.Record(ctx, q, audit.Event{Action: "team.member_add", TargetType: "team", TargetID: team.String(),
				Details: map[string]any{"user_id": user}}); err != nil {
				return err
			}
		}
		r, err := st.GetTeamMember(ctx, store.GetTeamMemberParams{TenantID: tenant.UUID(), TeamID: team, UserID: user})
		out = TeamMember(r)
		return err
	})
	return out, err
}

// RemoveTeamMember takes a user out of a team. An unknown team, or a user not in it, is NotFound.
func (s *Service) RemoveTeamMember(ctx context.Context, team, user uuid.UUID) error {
	return s.teamTx(ctx, team, func(st *store.Queries, q postgres.Querier, tenant tenancy.TenantID) error {
		n, err := st.RemoveTeamMember(ctx, store.RemoveTeamMemberParams{TenantID: tenant.UUID(), TeamID: team, UserID: user})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.ErrNotFound
		}
		return audit.Record(ctx, q, audit.Event{Action: "team.member_remove", TargetType: "team", TargetID: team.String(),
			Details: map[string]any{"user_id": user}})
	})
}

// teamMemberKey is the sort key of a team's member list, carried in its cursor.
type teamMemberKey struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// ListTeamMembers returns up to size+1 of a team's members by name, after the member after (nil:
// from the first); see httpapi.List. An unknown team is NotFound.
func (s *Service) ListTeamMembers(ctx context.Context, team uuid.UUID, size int, after *teamMemberKey) ([]TeamMember, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListTeamMembersParams{TenantID: sc.Tenant.UUID(), TeamID: team, Lim: int32(size + 1)}
	if after != nil {
		p.AfterName, p.AfterID = pgtype.Text{String: after.Name, Valid: true}, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []TeamMember
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := getTeam(ctx, st, sc.Tenant, team); err != nil {
			return err
		}
		rows, err := st.ListTeamMembers(ctx, p)
		for _, r := range rows {
			out = append(out, TeamMember(r))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
