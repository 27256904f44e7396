package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// FlowTag is a tag of flows, global or the tenant's own.
type FlowTag struct {
	ID        uuid.UUID `json:"id" format:"uuid"`
	Name      string    `json:"name"`
	Global    bool      `json:"global" doc:"A tag of the global catalogue: read-only"`
	FlowCount *int64    `json:"flow_count,omitempty" doc:"Live flows with this tag in your tenant that you can see (single reads only)"`
}

var errGlobalTag = errs.E(errs.Forbidden, "global tags are read-only")

// tagKey is the sort key of the tags list, carried in its cursor.
type tagKey struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// ListTags returns up to size+1 of the global and the tenant's tags by name, after the tag after
// (nil: from the first), optionally those whose name contains q (any case): the editor's
// autocompletion; see httpapi.List.
func (s *Service) ListTags(ctx context.Context, q string, size int, after *tagKey) ([]FlowTag, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, fail("list tags", err)
	}
	p := store.ListTagsParams{TenantID: c.tenant, Q: text(q), Lim: int32(size + 1)}
	if after != nil {
		p.AfterName, p.AfterID = &after.Name, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var items []FlowTag
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListTags(ctx, p)
		for _, r := range rows {
			items = append(items, FlowTag{ID: r.ID, Name: r.Name, Global: r.Global})
		}
		return err
	})
	if err != nil {
		return nil, fail("list tags", err)
	}
	return items, nil
}

// GetTag returns a global or tenant tag with flow_count: the live flows of the caller's tenant with
// it that the caller can see. Another tenant's tag is NotFound.
func (s *Service) GetTag(ctx context.Context, id uuid.UUID) (FlowTag, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return FlowTag{}, fail("get tag", err)
	}
	var out FlowTag
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = readTag(ctx, store.New(q), c, id)
		return err
	})
	return out, fail("get tag", err)
}

func readTag(ctx context.Context, st *store.Queries, c caller, id uuid.UUID) (FlowTag, error) {
	r, err := st.GetTag(ctx, store.GetTagParams{TenantID: c.tenant, ID: id})
	if err != nil {
		return FlowTag{}, found(err)
	}
	n, err := st.CountTagFlows(ctx, store.CountTagFlowsParams{TenantID: c.tenant, ID: id, UserID: c.user})
	return FlowTag{ID: r.ID, Name: r.Name, Global: r.Global, FlowCount: &n}, err
}

// CreateTag creates a tag of the tenant (admins). A tag of the tenant with the same name (any case)
// is a Conflict; a global tag's name may be reused.
func (s *Service) CreateTag(ctx context.Context, name string) (FlowTag, error) {
	c, err := adminOf(ctx)
	if err != nil {
		return FlowTag{}, fail("create tag", err)
	}
	if name, err = catalogueName(name, maxTagName); err != nil {
		return FlowTag{}, fail("create tag", err)
	}
	id := tenancy.NewID()
	var out FlowTag
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := st.InsertTag(ctx, store.InsertTagParams{TenantID: c.tenant, ID: id, Name: name}); err != nil {
			return uniqueName(err, "a tag with this name already exists")
		}
		if err := record(ctx, q, "flow_tag.create", "flow_tag", id, map[string]any{"name": name}); err != nil {
			return err
		}
		out, err = readTag(ctx, st, c, id)
		return err
	})
	return out, fail("create tag", err)
}

// RenameTag renames a tag of the tenant (admins). A global tag is Forbidden, another tenant's
// NotFound.
func (s *Service) RenameTag(ctx context.Context, id uuid.UUID, name string) (FlowTag, error) {
	c, err := adminOf(ctx)
	if err != nil {
		return FlowTag{}, fail("rename tag", err)
	}
	if name, err = catalogueName(name, maxTagName); err != nil {
		return FlowTag{}, fail("rename tag", err)
	}
	var out FlowTag
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockTag(ctx, st, c, id); err != nil {
			return err
		}
		if err := st.RenameTag(ctx, store.RenameTagParams{TenantID: c.tenant, ID: id, Name: name}); err != nil {
			return uniqueName(err, "a tag with this name already exists")
		}
		if err := record(ctx, q, "flow_tag.rename", "flow_tag", id, map[string]any{"name": name}); err != nil {
			return err
		}
		out, err = readTag(ctx, st, c, id)
		return err
	})
	return out, fail("rename tag", err)
}

// DeleteTag deletes a tag of the tenant (admins) and takes it off its flows. A global tag is
// Forbidden, another tenant's NotFound.
func (s *Service) DeleteTag(ctx context.Context, id uuid.UUID) error {
	c, err := adminOf(ctx)
	if err != nil {
		return fail("delete tag", err)
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockTag(ctx, st, c, id); err != nil {
			return err
		}
		if err := st.DeleteTag(ctx, store.DeleteTagParams{TenantID: c.tenant, ID: id}); err != nil {
			return err
		}
		return record(ctx, q, "flow_tag.delete", "flow_tag", id, nil)
	})
	return fail("delete tag", err)
}

// lockTag locks a tag of the tenant; a global one is Forbidden, anything else NotFound.
func lockTag(ctx context.Context, st *store.Queries, c caller, id uuid.UUID) error {
	return ownRow(func() error {
		_, err := st.LockTag(ctx, store.LockTagParams{TenantID: c.tenant, ID: id})
		return err
	}, func() (bool, error) { return st.IsGlobalTag(ctx, id) }, errGlobalTag)
}
