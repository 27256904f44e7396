package flows

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// FlowSession is one technician's walk of a published flow version, with everything it recorded. It
// is owner-only: only its owner and the member it is assigned to can reach it; anyone else,
// another member of the same tenant included, gets the same 404 as for a random id.
type FlowSession struct {
	ID                  uuid.UUID           `json:"id" format:"uuid"`
	FlowID              *uuid.UUID          `json:"flow_id" format:"uuid" doc:"null once the flow has been deleted"`
	FlowVersion         *int32              `json:"flow_version" doc:"The published version the session is pinned to"`
	Title               string              `json:"title" doc:"The flow's title at the start"`
	Kind                string              `json:"kind,omitempty"`
	Status              string              `json:"status" enum:"prepared,active,completed,abandoned"`
	Outcome             *string             `json:"outcome" enum:"resolved,escalated,unresolved"`
	OwnerID             uuid.UUID           `json:"owner_id" format:"uuid"`
	AssignedTo          *uuid.UUID          `json:"assigned_to" format:"uuid"`
	CurrentNode         *graph.Node         `json:"current_node" doc:"The node the technician is at (null before the start)"`
	Path                []graph.PathStep    `json:"path" doc:"Every node entered, in order (logic nodes included)"`
	Decisions           []graph.Decision    `json:"decisions"`
	CustomSteps         []SessionCustomStep `json:"custom_steps"`
	Scratchpad          string              `json:"scratchpad"`
	Variables           map[string]any      `json:"variables"`
	VariableDefinitions []graph.Field       `json:"variable_definitions" doc:"The variables the flow's input nodes define, by name"`
	TicketNumber        string              `json:"ticket_number"`
	ClientName          string              `json:"client_name"`
	BatchID             *uuid.UUID          `json:"batch_id" format:"uuid" doc:"The batch the session was launched in, if any"`
	TargetLabel         *string             `json:"target_label" doc:"The batch target the session is for"`
	ScheduleID          *uuid.UUID          `json:"schedule_id" format:"uuid" doc:"The maintenance schedule that launched it, if any"`
	StartedAt           *time.Time          `json:"started_at"`
	CompletedAt         *time.Time          `json:"completed_at"`
	AbandonedAt         *time.Time          `json:"abandoned_at"`
	CreatedAt           time.Time           `json:"created_at"`
	UpdatedAt           time.Time           `json:"updated_at"`
	// CSATToken is the token of the session's satisfaction survey, only in the answer of the request
	// that completed the session (issueSurvey); never stored, never shown again.
	CSATToken string `json:"csat_token,omitempty" doc:"Only in the answer that completed the session: the satisfaction survey's token, shown once; answer it with POST /api/v1/csat/{token}"`
}

// view returns the session as the API shows it.
func (st *sessionState) view() FlowSession {
	r := st.row
	rec := graph.NewRecord(st.graph, st.run)
	out := FlowSession{ID: r.ID, FlowID: idOrNil(r.FlowID), FlowVersion: r.FlowVersion, Title: st.meta.Title, Kind: st.meta.Kind,
		Status: r.Status, Outcome: r.Outcome, OwnerID: r.UserID, AssignedTo: idOrNil(r.AssignedTo), Path: rec.Path,
		Decisions: rec.Decisions, CustomSteps: slices.Clone(st.custom), Scratchpad: r.Scratchpad,
		Variables: nonNilMap(st.run.Variables), VariableDefinitions: definitions(st.graph), TicketNumber: r.TicketNumber,
		ClientName: r.ClientName, BatchID: idOrNil(r.BatchID), TargetLabel: r.TargetLabel, ScheduleID: idOrNil(r.ScheduleID),
		StartedAt: r.StartedAt, CompletedAt: r.CompletedAt, AbandonedAt: r.AbandonedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for i := range st.graph.Nodes {
		if st.run.Current != "" && st.graph.Nodes[i].ID == st.run.Current {
			n := st.graph.Nodes[i]
			out.CurrentNode = &n
			break
		}
	}
	return out
}

// definitions returns the graph's variable definitions sorted by name.
func definitions(g graph.Graph) []graph.Field {
	defs := graph.Definitions(g)
	out := make([]graph.Field, 0, len(defs))
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		out = append(out, defs[name])
	}
	return out
}

func idOrNil(id uuid.NullUUID) *uuid.UUID {
	if !id.Valid {
		return nil
	}
	return &id.UUID
}

// GetSession returns a session of the caller (owned by or assigned to them). Any other id is
// errs.ErrNotFound.
func (s *Service) GetSession(ctx context.Context, id uuid.UUID) (FlowSession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return FlowSession{}, fmt.Errorf("flows: get session: %w", err)
	}
	var row store.FlowSession
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		row, err = store.New(q).GetSession(ctx, store.GetSessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		return err
	})
	if err != nil {
		return FlowSession{}, fmt.Errorf("flows: get session: %w", notFound(err))
	}
	st, err := decodeSession(row)
	if err != nil {
		return FlowSession{}, err
	}
	return st.view(), nil
}

// FlowSessionSummary is a session in a list.
type FlowSessionSummary struct {
	ID           uuid.UUID  `json:"id" format:"uuid"`
	FlowID       *uuid.UUID `json:"flow_id" format:"uuid"`
	FlowVersion  *int32     `json:"flow_version"`
	Title        string     `json:"title"`
	Status       string     `json:"status" enum:"prepared,active,completed,abandoned"`
	Outcome      *string    `json:"outcome" enum:"resolved,escalated,unresolved"`
	OwnerID      uuid.UUID  `json:"owner_id" format:"uuid"`
	AssignedTo   *uuid.UUID `json:"assigned_to" format:"uuid"`
	TicketNumber string     `json:"ticket_number"`
	ClientName   string     `json:"client_name"`
	StartedAt    *time.Time `json:"started_at"`
	CompletedAt  *time.Time `json:"completed_at"`
	AbandonedAt  *time.Time `json:"abandoned_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// SessionFilter selects sessions for ListSessions.
type SessionFilter struct {
	Status string     // "" or one of the statuses
	FlowID *uuid.UUID // sessions of one flow
	Scope  string     // "" (own and assigned), "mine" (own) or "assigned" (assigned to the caller)
}

// SessionKey is the sort key of the sessions list, carried in its cursor.
type SessionKey struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

// ListSessions lists the caller's sessions, newest first: at most size+1 (the extra one tells
// that there is a next page), after the key of the previous page's last item.
func (s *Service) ListSessions(ctx context.Context, f SessionFilter, size int, after *SessionKey) ([]FlowSessionSummary, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return nil, fmt.Errorf("flows: list sessions: %w", err)
	}
	p := store.ListSessionsParams{TenantID: m.tenant, Me: m.user, OnlyMine: f.Scope == "mine", OnlyAssigned: f.Scope == "assigned",
		FlowID: optionalUUID(f.FlowID), Lim: int32(size + 1)}
	switch {
	case f.Scope != "" && f.Scope != "mine" && f.Scope != "assigned":
		return nil, errs.Invalidf("query.scope", "must be mine or assigned")
	case f.Status != "" && !slices.Contains([]string{StatusPrepared, StatusActive, StatusCompleted, StatusAbandoned}, f.Status):
		return nil, errs.Invalidf("query.status", "must be prepared, active, completed or abandoned")
	case f.Status != "":
		p.Status = &f.Status
	}
	if after != nil {
		p.AfterCreated, p.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []FlowSessionSummary
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListSessions(ctx, p)
		for _, r := range rows {
			out = append(out, FlowSessionSummary{ID: r.ID, FlowID: idOrNil(r.FlowID), FlowVersion: r.FlowVersion, Title: r.Title,
				Status: r.Status, Outcome: r.Outcome, OwnerID: r.UserID, AssignedTo: idOrNil(r.AssignedTo),
				TicketNumber: r.TicketNumber, ClientName: r.ClientName, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt,
				AbandonedAt: r.AbandonedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: list sessions: %w", err)
	}
	return out, nil
}

func optionalUUID(id *uuid.UUID) uuid.NullUUID {
	if id == nil {
		return uuid.NullUUID{}
	}
	return uuid.NullUUID{UUID: *id, Valid: true}
}
