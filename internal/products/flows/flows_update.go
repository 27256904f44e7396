package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
)

// FlowPatch changes some of a flow's metadata; nil fields stay as they are.
type FlowPatch struct {
	Kind        *string
	Title       *string
	Description *string
	CategoryID  *uuid.UUID   // a tenant or global category; uuid.Nil removes the category
	Tags        *[]uuid.UUID // replaces every tag; an empty list removes them
}

// UpdateFlow changes a flow's metadata. A flow the caller cannot see is NotFound; one they can see
// but may not change (canEdit) is Forbidden; invalid input is Invalid; in every case nothing changes.
func (s *Service) UpdateFlow(ctx context.Context, id uuid.UUID, p FlowPatch) (Flow, error) {
	out, err := s.updateFlow(ctx, id, p)
	return out, fail("update", err)
}

func (s *Service) updateFlow(ctx context.Context, id uuid.UUID, p FlowPatch) (Flow, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Flow{}, err
	}
	var out Flow
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		f, err := editableFlow(ctx, st, c, id)
		if err != nil {
			return err
		}
		u, fields, err := applyPatch(ctx, st, c, f, p)
		if err != nil {
			return err
		}
		if err := st.UpdateFlow(ctx, u); err != nil {
			return err
		}
		if p.Tags != nil {
			if err := setTags(ctx, st, c.tenant, id, *p.Tags); err != nil {
				return err
			}
			fields = append(fields, "tags")
		}
		if err := record(ctx, q, "flow.update", "flow", id, map[string]any{"fields": fields}); err != nil {
			return err
		}
		out, err = readFlow(ctx, st, c, id)
		return err
	})
	return out, err
}

// applyPatch checks a patch and returns the flow's new metadata and the names of the fields it
// changes (for the audit row, never their values).
func applyPatch(ctx context.Context, st *store.Queries, c caller, f store.GetFlowRow, p FlowPatch) (store.UpdateFlowParams, []string, error) {
	u := store.UpdateFlowParams{TenantID: c.tenant, ID: f.ID, Title: f.Title, Description: f.Description, Kind: f.Kind,
		CategoryID: f.CategoryID, GlobalCategoryID: f.GlobalCategoryID}
	var fields []string
	var err error
	if p.Title != nil {
		if u.Title, err = checkTitle(*p.Title); err != nil {
			return u, nil, err
		}
		fields = append(fields, "title")
	}
	if p.Description != nil {
		if err := checkDescription(*p.Description); err != nil {
			return u, nil, err
		}
		u.Description, fields = *p.Description, append(fields, "description")
	}
	if p.Kind != nil {
		if err := checkKind(*p.Kind); err != nil {
			return u, nil, err
		}
		u.Kind, fields = *p.Kind, append(fields, "kind")
	}
	if p.CategoryID != nil {
		if u.CategoryID, u.GlobalCategoryID, err = categoryColumns(ctx, st, c.tenant, *p.CategoryID); err != nil {
			return u, nil, err
		}
		fields = append(fields, "category")
	}
	return u, fields, nil
}

// errPrivateByAuthor refuses to make someone else's flow private: a private flow is its author's
// alone, so the caller would lose it.
var errPrivateByAuthor = errs.E(errs.Forbidden, "only the author can make a flow private")

// SetVisibility makes a flow private (its author only), a team flow (of a team the caller is in) or
// visible to the whole tenant, with the 404/403 split of UpdateFlow. The caller can see the flow
// afterwards in every case.
func (s *Service) SetVisibility(ctx context.Context, id uuid.UUID, visibility string, team uuid.UUID) (Flow, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Flow{}, fail("visibility", err)
	}
	var out Flow
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		f, err := editableFlow(ctx, st, c, id)
		if err != nil {
			return err
		}
		if visibility == visibilityPrivate && f.AuthorID != c.user {
			return errPrivateByAuthor
		}
		if err := checkVisibility(ctx, st, c, visibility, team); err != nil {
			return err
		}
		err = st.SetFlowVisibility(ctx, store.SetFlowVisibilityParams{TenantID: c.tenant, ID: id, Visibility: visibility, TeamID: nullID(team)})
		if err != nil {
			return err
		}
		details := map[string]any{"from": f.Visibility, "to": visibility}
		if team != uuid.Nil {
			details["team_id"] = team
		}
		if err := record(ctx, q, "flow.visibility", "flow", id, details); err != nil {
			return err
		}
		out, err = readFlow(ctx, st, c, id)
		return err
	})
	return out, fail("visibility", err)
}

// DeleteFlow soft-deletes a flow, with the 404/403 split of UpdateFlow. Its published versions stay
// (sessions pinned to them keep their snapshot); the flow lets go of its team.
func (s *Service) DeleteFlow(ctx context.Context, id uuid.UUID) error {
	c, err := callerOf(ctx)
	if err != nil {
		return fail("delete", err)
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		f, err := editableFlow(ctx, st, c, id)
		if err != nil {
			return err
		}
		if err := st.DeleteFlow(ctx, store.DeleteFlowParams{TenantID: c.tenant, ID: id}); err != nil {
			return err
		}
		return record(ctx, q, "flow.delete", "flow", id, map[string]any{"title": f.Title, "visibility": f.Visibility})
	})
	return fail("delete", err)
}
