package flows

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Flow is a flow's metadata as the caller sees it. Its graph is in the draft (GetDraft) and in the
// published versions (GetVersion).
type Flow struct {
	ID             uuid.UUID        `json:"id" format:"uuid"`
	Kind           string           `json:"kind" enum:"troubleshooting,procedural,maintenance"`
	Title          string           `json:"title"`
	Description    string           `json:"description"`
	Visibility     string           `json:"visibility" enum:"private,team,account"`
	TeamID         *uuid.UUID       `json:"team_id,omitempty" format:"uuid" doc:"The team of a team flow"`
	AuthorID       uuid.UUID        `json:"author_id" format:"uuid"`
	Category       *FlowCategoryRef `json:"category,omitempty"`
	Tags           []FlowTagRef     `json:"tags"`
	CurrentVersion *int32           `json:"current_version,omitempty" doc:"The latest published version; absent until the first publication"`
	ParentFlowID   *uuid.UUID       `json:"parent_flow_id,omitempty" format:"uuid" doc:"The flow this one was forked from"`
	ForkReason     string           `json:"fork_reason,omitempty"`
	UsageCount     int64            `json:"usage_count"`
	CanEdit        bool             `json:"can_edit" doc:"Whether the caller may change the flow"`
	DraftUpdatedAt time.Time        `json:"draft_updated_at"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

// FlowCategoryRef names a flow's category.
type FlowCategoryRef struct {
	ID     uuid.UUID `json:"id" format:"uuid"`
	Name   string    `json:"name"`
	Global bool      `json:"global" doc:"A category of the global catalogue"`
}

// FlowTagRef names one of a flow's tags.
type FlowTagRef struct {
	ID     uuid.UUID `json:"id" format:"uuid"`
	Name   string    `json:"name"`
	Global bool      `json:"global" doc:"A tag of the global catalogue"`
}

// flowOf builds the caller's view of a flow row.
func flowOf(c caller, r store.GetFlowRow, tags []FlowTagRef) Flow {
	f := Flow{ID: r.ID, Kind: r.Kind, Title: r.Title, Description: r.Description, Visibility: r.Visibility,
		TeamID: optionalID(r.TeamID), AuthorID: r.AuthorID, Tags: tags, CurrentVersion: r.CurrentVersion,
		ParentFlowID: optionalID(r.ParentFlowID), ForkReason: r.ForkReason, UsageCount: r.UsageCount, CanEdit: canEdit(c, r),
		DraftUpdatedAt: r.DraftUpdatedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if f.Tags == nil {
		f.Tags = []FlowTagRef{}
	}
	switch {
	case r.CategoryID.Valid:
		f.Category = &FlowCategoryRef{ID: r.CategoryID.UUID, Name: r.CategoryName}
	case r.GlobalCategoryID.Valid:
		f.Category = &FlowCategoryRef{ID: r.GlobalCategoryID.UUID, Name: r.CategoryName, Global: true}
	}
	return f
}

func optionalID(id uuid.NullUUID) *uuid.UUID {
	if !id.Valid {
		return nil
	}
	return &id.UUID
}

// tagsOf reads the tags of some flows.
func tagsOf(ctx context.Context, st *store.Queries, tenant uuid.UUID, ids ...uuid.UUID) (map[uuid.UUID][]FlowTagRef, error) {
	rows, err := st.FlowTags(ctx, store.FlowTagsParams{TenantID: tenant, FlowIds: ids})
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]FlowTagRef, len(ids))
	for _, r := range rows {
		out[r.FlowID] = append(out[r.FlowID], FlowTagRef{ID: r.ID, Name: r.Name, Global: r.Global})
	}
	return out, nil
}

// readFlow reads a visible flow with its tags.
func readFlow(ctx context.Context, st *store.Queries, c caller, id uuid.UUID) (Flow, error) {
	r, err := visibleFlow(ctx, st, c, id)
	if err != nil {
		return Flow{}, err
	}
	tags, err := tagsOf(ctx, st, c.tenant, id)
	if err != nil {
		return Flow{}, err
	}
	return flowOf(c, r, tags[id]), nil
}

// NewFlow is a flow to create.
type NewFlow struct {
	Kind        string      // troubleshooting, procedural or maintenance
	Title       string      // 1..200 characters, trimmed
	Description string      // at most 5000 characters
	Visibility  string      // private (the default), team or account
	TeamID      uuid.UUID   // with visibility team: a team the caller is in
	CategoryID  uuid.UUID   // a tenant or global category, or uuid.Nil
	Tags        []uuid.UUID // tenant or global tags, at most 20
	Graph       graph.Graph // the initial draft, stored as is (validated at publication)
}

// CreateFlow creates a flow written by the caller (an operator or above) with its first draft. An
// unknown category, tag or team, another tenant's included, is Invalid, and nothing is written.
func (s *Service) CreateFlow(ctx context.Context, in NewFlow) (Flow, error) {
	out, err := s.createFlow(ctx, in)
	return out, fail("create", err)
}

func (s *Service) createFlow(ctx context.Context, in NewFlow) (Flow, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Flow{}, err
	}
	if !c.role.AtLeast(tenancy.RoleOperator) {
		return Flow{}, errRole
	}
	if in.Visibility == "" {
		in.Visibility = visibilityPrivate
	}
	if in.Title, err = checkTitle(in.Title); err != nil {
		return Flow{}, err
	}
	if err := firstError(checkKind(in.Kind), checkDescription(in.Description)); err != nil {
		return Flow{}, err
	}
	draft, err := encodeGraph(in.Graph)
	if err != nil {
		return Flow{}, err
	}
	id := tenancy.NewID()
	var out Flow
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := checkVisibility(ctx, st, c, in.Visibility, in.TeamID); err != nil {
			return err
		}
		own, global, err := categoryColumns(ctx, st, c.tenant, in.CategoryID)
		if err != nil {
			return err
		}
		err = st.InsertFlow(ctx, store.InsertFlowParams{TenantID: c.tenant, ID: id, AuthorID: c.user, Title: in.Title,
			TeamID: nullID(in.TeamID), Description: in.Description, Kind: in.Kind, Visibility: in.Visibility,
			CategoryID: own, GlobalCategoryID: global, DraftGraph: draft})
		if err != nil {
			return err
		}
		if err := setTags(ctx, st, c.tenant, id, in.Tags); err != nil {
			return err
		}
		if err := record(ctx, q, "flow.create", "flow", id, map[string]any{"kind": in.Kind, "visibility": in.Visibility}); err != nil {
			return err
		}
		out, err = readFlow(ctx, st, c, id)
		return err
	})
	return out, err
}

func nullID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }

// firstError returns the first non-nil error.
func firstError(errors ...error) error {
	for _, err := range errors {
		if err != nil {
			return err
		}
	}
	return nil
}

// GetFlow returns a live flow the caller can see: account flows, their own, and the team flows of
// their teams. Any other id, another tenant's or another user's private flow included, is NotFound.
func (s *Service) GetFlow(ctx context.Context, id uuid.UUID) (Flow, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Flow{}, fail("get", err)
	}
	var out Flow
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = readFlow(ctx, store.New(q), c, id)
		return err
	})
	return out, fail("get", err)
}

// FlowFilter selects flows for ListFlows; zero fields select everything.
type FlowFilter struct {
	Query      string    // words or a part of the title or description
	Kind       string    // troubleshooting, procedural or maintenance
	Visibility string    // private, team or account
	Category   uuid.UUID // a tenant or global category
	Tag        uuid.UUID // a tenant or global tag
}

// flowKey is the sort key of the flows list, carried in its cursor.
type flowKey struct {
	Updated time.Time `json:"u"`
	ID      uuid.UUID `json:"i"`
}

// ListFlows returns up to size+1 of the live flows the caller can see, most recently changed
// first, after the flow after (nil: from the newest); see httpapi.List.
func (s *Service) ListFlows(ctx context.Context, f FlowFilter, size int, after *flowKey) ([]Flow, error) {
	out, err := s.listFlows(ctx, f, size, after)
	return out, fail("list", err)
}

func (s *Service) listFlows(ctx context.Context, f FlowFilter, size int, after *flowKey) ([]Flow, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListFlowsParams{TenantID: c.tenant, UserID: c.user, Kind: text(f.Kind), Visibility: text(f.Visibility),
		Category: nullID(f.Category), Tag: nullID(f.Tag), Q: text(f.Query), Lim: int32(size + 1)}
	if after != nil {
		p.AfterUpdated, p.AfterID = &after.Updated, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var items []Flow
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		st := store.New(q)
		rows, err := st.ListFlows(ctx, p)
		if err != nil || len(rows) == 0 {
			return err
		}
		ids := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		tags, err := tagsOf(ctx, st, c.tenant, ids...)
		for _, r := range rows {
			items = append(items, flowOf(c, store.GetFlowRow(r), tags[r.ID]))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// text returns nil for an empty filter.
func text(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
