package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
)

// The kinds of flow.
const (
	KindTroubleshooting = "troubleshooting"
	KindProcedural      = "procedural"
	KindMaintenance     = "maintenance"
)

// The visibilities of a flow: its author only, the members of its team, or every member.
const (
	visibilityPrivate = "private"
	visibilityTeam    = "team"
	visibilityAccount = "account"
)

// Bounds of a flow's fields (the schema's checks, in characters).
const (
	maxTitle       = 200
	maxDescription = 5000
	maxForkReason  = 1000
	maxTags        = 20
	maxGraphBytes  = 1 << 20 // the JSON of a graph; the column's bound is on its stored size
)

func checkKind(kind string) error {
	switch kind {
	case KindTroubleshooting, KindProcedural, KindMaintenance:
		return nil
	}
	return errs.Invalidf("body.kind", "must be troubleshooting, procedural or maintenance")
}

// checkTitle trims a title and checks its length.
func checkTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	if title == "" || utf8.RuneCountInString(title) > maxTitle {
		return "", errs.Invalidf("body.title", "must be 1 to %d characters", maxTitle)
	}
	return title, nil
}

func checkDescription(d string) error {
	if utf8.RuneCountInString(d) > maxDescription {
		return errs.Invalidf("body.description", "must be at most %d characters", maxDescription)
	}
	return nil
}

// checkVisibility checks a visibility and its team: team visibility needs a team the caller is in
// (another tenant's team, or one the caller is not in, is the same Invalid); the others take none.
func checkVisibility(ctx context.Context, st *store.Queries, c caller, visibility string, team uuid.UUID) error {
	switch visibility {
	case visibilityPrivate, visibilityAccount:
		if team != uuid.Nil {
			return errs.Invalidf("body.team_id", "only a flow with visibility team has a team")
		}
		return nil
	case visibilityTeam:
	default:
		return errs.Invalidf("body.visibility", "must be private, team or account")
	}
	if team == uuid.Nil {
		return errs.Invalidf("body.team_id", "required with visibility team")
	}
	in, err := st.IsTeamMember(ctx, store.IsTeamMemberParams{TenantID: c.tenant, TeamID: team, UserID: c.user})
	if err != nil {
		return err
	}
	if !in {
		return errs.Invalidf("body.team_id", "not a team you are in")
	}
	return nil
}

// categoryColumns resolves a category id into the flow's two columns: a tenant category or a global
// one. uuid.Nil means none; an id that is neither (another tenant's included) is Invalid.
func categoryColumns(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (own, global uuid.NullUUID, err error) {
	if id == uuid.Nil {
		return own, global, nil
	}
	isGlobal, err := st.ResolveCategory(ctx, store.ResolveCategoryParams{TenantID: tenant, ID: id})
	if err != nil {
		if postgres.IsNoRows(err) {
			err = errs.Invalidf("body.category_id", "no such category")
		}
		return own, global, err
	}
	if isGlobal {
		return own, uuid.NullUUID{UUID: id, Valid: true}, nil
	}
	return uuid.NullUUID{UUID: id, Valid: true}, global, nil
}

// setTags replaces a flow's tags with ids, tenant or global ones. An unknown id (another tenant's
// included) is Invalid at its position, and so is a repeated one.
func setTags(ctx context.Context, st *store.Queries, tenant, flow uuid.UUID, ids []uuid.UUID) error {
	if len(ids) > maxTags {
		return errs.Invalidf("body.tags", "at most %d tags", maxTags)
	}
	for i, id := range ids {
		if slices.Index(ids, id) < i {
			return errs.Invalidf(fmt.Sprintf("body.tags[%d]", i), "repeated tag")
		}
	}
	rows, err := st.ResolveTags(ctx, store.ResolveTagsParams{TenantID: tenant, Ids: ids})
	if err != nil {
		return err
	}
	var own, global []uuid.UUID
	for _, r := range rows {
		if r.Global {
			global = append(global, r.ID)
		} else {
			own = append(own, r.ID)
		}
	}
	for i, id := range ids {
		if !slices.Contains(own, id) && !slices.Contains(global, id) {
			return errs.Invalidf(fmt.Sprintf("body.tags[%d]", i), "no such tag")
		}
	}
	return linkTags(ctx, st, tenant, flow, own, global)
}

// linkTags replaces a flow's tag links with the given tenant and global tags.
func linkTags(ctx context.Context, st *store.Queries, tenant, flow uuid.UUID, own, global []uuid.UUID) error {
	if err := st.DeleteTagLinks(ctx, store.DeleteTagLinksParams{TenantID: tenant, FlowID: flow}); err != nil {
		return err
	}
	if err := st.DeleteGlobalTagLinks(ctx, store.DeleteGlobalTagLinksParams{TenantID: tenant, FlowID: flow}); err != nil {
		return err
	}
	if len(own) > 0 {
		if err := st.InsertTagLinks(ctx, store.InsertTagLinksParams{TenantID: tenant, FlowID: flow, TagIds: own}); err != nil {
			return err
		}
	}
	if len(global) > 0 {
		return st.InsertGlobalTagLinks(ctx, store.InsertGlobalTagLinksParams{TenantID: tenant, FlowID: flow, TagIds: global})
	}
	return nil
}

// encodeGraph returns a graph's JSON for a jsonb column; a graph without nodes has an empty list.
func encodeGraph(g graph.Graph) ([]byte, error) {
	if g.Nodes == nil {
		g.Nodes = []graph.Node{}
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "the graph cannot be stored", err)
	}
	if len(b) > maxGraphBytes {
		return nil, errs.Invalidf("body.graph", "the graph is larger than %d bytes", maxGraphBytes)
	}
	return b, nil
}

// decodeGraph reads a stored graph; an empty document ('{}', a new flow's draft) has no nodes.
func decodeGraph(b []byte) (graph.Graph, error) {
	var g graph.Graph
	if err := json.Unmarshal(b, &g); err != nil {
		return g, fmt.Errorf("decode graph: %w", err)
	}
	if g.Nodes == nil {
		g.Nodes = []graph.Node{}
	}
	return g, nil
}
