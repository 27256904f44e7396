package identity

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Team is a named group of the tenant's members. Products use teams for visibility (a flow seen
// by one team) and gating; a member may be in several teams.
type Team struct {
	ID          uuid.UUID
	Name        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	MemberCount int64
}

// TeamMember is one member of a team: the user, their name and when they were added. The e-mail
// address and role stay with the members API (admins only).
type TeamMember struct {
	UserID  uuid.UUID
	Name    string
	AddedAt time.Time
}

// maxTeamName is the schema's bound on a team name (characters).
const maxTeamName = 100

// errTeamInUse refuses to delete a team that flows or library steps still name.
var errTeamInUse = errs.E(errs.Conflict, "the team is still used by flows or library steps; change their visibility first")

// errTeamName is the one answer to a duplicate team name; it never echoes the name.
var errTeamName = errs.E(errs.Conflict, "a team with this name already exists")

// teamName trims and checks a team name.
func teamName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxTeamName {
		return "", errs.Invalidf("body.name", "must be 1 to %d characters", maxTeamName)
	}
	return name, nil
}

// CreateTeam creates a team. A team of the tenant with the same name (any case) is a Conflict.
func (s *Service) CreateTeam(ctx context.Context, name string) (Team, error) {
	name, err := teamName(name)
	if err != nil {
		return Team{}, err
	}
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Team{}, err
	}
	id := tenancy.NewID()
	var out Team
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := st.InsertTeam(ctx, store.InsertTeamParams{TenantID: sc.Tenant.UUID(), ID: id, Name: name}); err != nil {
			return teamConflict(err)
		}
		if err := audit.Record(ctx, q, audit.Event{Action: "team.create", TargetType: "team", TargetID: id.String(),
			Details: map[string]any{"name": name}}); err != nil {
			return err
		}
		out, err = getTeam(ctx, st, sc.Tenant, id)
		return err
	})
	return out, err
}

// teamConflict names the only unique rule of a team.
func teamConflict(err error) error {
	if postgres.IsCode(err, "23505") {
		return errs.Wrap(errs.Conflict, errTeamName.Message, err)
	}
	return err
}

// GetTeam returns one of the tenant's teams, or NotFound.
func (s *Service) GetTeam(ctx context.Context, id uuid.UUID) (Team, error) {
	return postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Team, error) {
		return getTeam(ctx, store.New(q), tenancy.TenantID(tenant), id)
	})
}

func getTeam(ctx context.Context, st *store.Queries, tenant tenancy.TenantID, id uuid.UUID) (Team, error) {
	r, err := postgres.One(st.GetTeam(ctx, store.GetTeamParams{TenantID: tenant.UUID(), ID: id}))
	return Team(r), err
}

// teamKey is the sort key of the teams list, carried in its cursor.
type teamKey struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// ListTeams returns up to size+1 of the tenant's teams by name, after the team after (nil: from
// the first); see httpapi.List.
func (s *Service) ListTeams(ctx context.Context, size int, after *teamKey) ([]Team, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListTeamsParams{TenantID: sc.Tenant.UUID(), Lim: int32(size + 1)}
	if after != nil {
		p.AfterName, p.AfterID = pgtype.Text{String: after.Name, Valid: true}, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Team
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListTeams(ctx, p)
		for _, r := range rows {
			out = append(out, Team(r))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RenameTeam renames a team; another team of the tenant with the name is a Conflict.
func (s *Service) RenameTeam(ctx context.Context, id uuid.UUID, name string) (Team, error) {
	name, err := teamName(name)
	if err != nil {
		return Team{}, err
	}
	var out Team
	err = s.teamTx(ctx, id, func(st *store.Queries, q postgres.Querier, tenant tenancy.TenantID) error {
		if err := st.RenameTeam(ctx, store.RenameTeamParams{TenantID: tenant.UUID(), ID: id, Name: name}); err != nil {
			return teamConflict(err)
		}
		if err := audit.Record(ctx, q, audit.Event{Action: "team.rename", TargetType: "team", TargetID: id.String(),
			Details: map[string]any{"name": name}}); err != nil {
			return err
		}
		out, err = getTeam(ctx, st, tenant, id)
		return err
	})
	return out, err
}

// DeleteTeam deletes a team and its memberships. While flows or library steps name the team (the
// schema's foreign keys), it is a Conflict and nothing changes.
func (s *Service) DeleteTeam(ctx context.Context, id uuid.UUID) error {
	return s.teamTx(ctx, id, func(st *store.Queries, q postgres.Querier, tenant tenancy.TenantID) error {
		err := st.DeleteTeam(ctx, store.DeleteTeamParams{TenantID: tenant.UUID(), ID: id})
		if postgres.IsCode(err, "23503") {
			return errs.Wrap(errs.Conflict, errTeamInUse.Message, err)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "team.delete", TargetType: "team", TargetID: id.String()})
	})
}

// teamTx runs fn in a transaction after locking the team; an unknown team is NotFound.
func (s *Service) teamTx(ctx context.Context, id uuid.UUID, fn func(*store.Queries, postgres.Querier, tenancy.TenantID) error) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := postgres.One(st.LockTeam(ctx, store.LockTeamParams{TenantID: sc.Tenant.UUID(), ID: id})); err != nil {
			return err
		}
		return fn(st, q, sc.Tenant)
	})
}
