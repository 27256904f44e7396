package flows

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// ForkInput says how to name a fork and why it was made.
type ForkInput struct {
	Title  string // default: the source's title with " (fork)"
	Reason string // at most 1000 characters
}

// Fork copies a flow the caller can see (NotFound otherwise) into a new private flow of the caller
// (an operator or above), linked to its source by parent_flow_id. The copy's draft is the source's
// latest published graph, or its draft when it was never published; the kind, description,
// category and tags come along. The fork has no versions until it is published.
func (s *Service) Fork(ctx context.Context, id uuid.UUID, in ForkInput) (Flow, error) {
	out, err := s.fork(ctx, id, in)
	return out, fail("fork", err)
}

func (s *Service) fork(ctx context.Context, id uuid.UUID, in ForkInput) (Flow, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Flow{}, err
	}
	if utf8.RuneCountInString(in.Reason) > maxForkReason {
		return Flow{}, errs.Invalidf("body.reason", "must be at most %d characters", maxForkReason)
	}
	fork := tenancy.NewID()
	var out Flow
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		src, err := visibleFlow(ctx, st, c, id)
		if err != nil {
			return err
		}
		if !c.role.AtLeast(tenancy.RoleOperator) {
			return errRole
		}
		title, err := forkTitle(in.Title, src.Title)
		if err != nil {
			return err
		}
		draft, err := forkGraph(ctx, st, c.tenant, id)
		if err != nil {
			return err
		}
		err = st.InsertFlow(ctx, store.InsertFlowParams{TenantID: c.tenant, ID: fork, AuthorID: c.user, Title: title,
			Description: src.Description, Kind: src.Kind, Visibility: visibilityPrivate, CategoryID: src.CategoryID,
			GlobalCategoryID: src.GlobalCategoryID, DraftGraph: draft, ParentFlowID: nullID(id), ForkReason: in.Reason})
		if err != nil {
			return err
		}
		if err := copyTags(ctx, st, c.tenant, id, fork); err != nil {
			return err
		}
		if err := record(ctx, q, "flow.fork", "flow", fork, map[string]any{"parent_flow_id": id}); err != nil {
			return err
		}
		out, err = readFlow(ctx, st, c, fork)
		return err
	})
	return out, err
}

// forkTitle is the given title, or the source's with " (fork)" within the length limit.
func forkTitle(given, source string) (string, error) {
	if strings.TrimSpace(given) != "" {
		return checkTitle(given)
	}
	const suffix = " (fork)"
	if r := []rune(source); len(r)+utf8.RuneCountInString(suffix) > maxTitle {
		source = string(r[:maxTitle-utf8.RuneCountInString(suffix)])
	}
	return source + suffix, nil
}

// forkGraph returns what a fork starts from: the latest published graph, else the draft.
func forkGraph(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) ([]byte, error) {
	b, err := st.LatestGraph(ctx, store.LatestGraphParams{TenantID: tenant, ID: id})
	if postgres.IsNoRows(err) {
		d, err := st.GetDraft(ctx, store.GetDraftParams{TenantID: tenant, ID: id})
		return d.DraftGraph, err
	}
	return b, err
}

// copyTags gives a fork its source's tags.
func copyTags(ctx context.Context, st *store.Queries, tenant, from, to uuid.UUID) error {
	tags, err := tagsOf(ctx, st, tenant, from)
	if err != nil {
		return err
	}
	var own, global []uuid.UUID
	for _, t := range tags[from] {
		if t.Global {
			global = append(global, t.ID)
		} else {
			own = append(own, t.ID)
		}
	}
	return linkTags(ctx, st, tenant, to, own, global)
}
