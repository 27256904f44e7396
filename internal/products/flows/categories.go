package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// FlowCategory is a category of flows, global or the tenant's own.
type FlowCategory struct {
	ID        uuid.UUID `json:"id" format:"uuid"`
	Name      string    `json:"name"`
	Sort      int32     `json:"sort" doc:"Lists order categories by sort, then name"`
	Global    bool      `json:"global" doc:"A category of the global catalogue: read-only"`
	FlowCount *int64    `json:"flow_count,omitempty" doc:"Live flows of this category in your tenant that you can see (single reads only)"`
}

var errGlobalCategory = errs.E(errs.Forbidden, "global categories are read-only")

// categoryKey is the sort key of the categories list, carried in its cursor.
type categoryKey struct {
	Sort int32     `json:"s"`
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// ListCategories returns up to size+1 of the global and the tenant's categories by sort and name,
// after the category after (nil: from the first), optionally those whose name contains q (any
// case); see httpapi.List.
func (s *Service) ListCategories(ctx context.Context, q string, size int, after *categoryKey) ([]FlowCategory, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, fail("list categories", err)
	}
	p := store.ListCategoriesParams{TenantID: c.tenant, Q: text(q), Lim: int32(size + 1)}
	if after != nil {
		p.AfterSort, p.AfterName, p.AfterID = &after.Sort, &after.Name, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var items []FlowCategory
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListCategories(ctx, p)
		for _, r := range rows {
			items = append(items, FlowCategory{ID: r.ID, Name: r.Name, Sort: r.Sort, Global: r.Global})
		}
		return err
	})
	if err != nil {
		return nil, fail("list categories", err)
	}
	return items, nil
}

// GetCategory returns a global or tenant category with flow_count: the live flows of the caller's
// tenant in it that the caller can see (never another tenant's, for a global category too).
// Another tenant's category is NotFound.
func (s *Service) GetCategory(ctx context.Context, id uuid.UUID) (FlowCategory, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return FlowCategory{}, fail("get category", err)
	}
	var out FlowCategory
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = readCategory(ctx, store.New(q), c, id)
		return err
	})
	return out, fail("get category", err)
}

func readCategory(ctx context.Context, st *store.Queries, c caller, id uuid.UUID) (FlowCategory, error) {
	r, err := st.GetCategory(ctx, store.GetCategoryParams{TenantID: c.tenant, ID: id})
	if err != nil {
		return FlowCategory{}, found(err)
	}
	n, err := st.CountCategoryFlows(ctx, store.CountCategoryFlowsParams{TenantID: c.tenant, ID: id, UserID: c.user})
	return FlowCategory{ID: r.ID, Name: r.Name, Sort: r.Sort, Global: r.Global, FlowCount: &n}, err
}

// CreateCategory creates a category of the tenant (admins). A category of the tenant with the same
// name (any case) is a Conflict; a global category's name may be reused.
func (s *Service) CreateCategory(ctx context.Context, name string, sort int32) (FlowCategory, error) {
	out, err := s.createCategory(ctx, name, sort)
	return out, fail("create category", err)
}

func (s *Service) createCategory(ctx context.Context, name string, sort int32) (FlowCategory, error) {
	c, err := adminOf(ctx)
	if err != nil {
		return FlowCategory{}, err
	}
	if name, err = catalogueName(name, maxCategoryName); err != nil {
		return FlowCategory{}, err
	}
	if sort < 0 || sort > maxSort {
		return FlowCategory{}, errs.Invalidf("body.sort", "must be 0 to %d", maxSort)
	}
	id := tenancy.NewID()
	var out FlowCategory
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		err := st.InsertCategory(ctx, store.InsertCategoryParams{TenantID: c.tenant, ID: id, Name: name, Sort: sort})
		if err != nil {
			return uniqueName(err, "a category with this name already exists")
		}
		if err := record(ctx, q, "flow_category.create", "flow_category", id, map[string]any{"name": name}); err != nil {
			return err
		}
		out, err = readCategory(ctx, st, c, id)
		return err
	})
	return out, err
}

// CategoryPatch changes a category; nil fields stay.
type CategoryPatch struct {
	Name *string
	Sort *int32
}

// UpdateCategory changes a category of the tenant (admins). A global category is Forbidden,
// another tenant's NotFound.
func (s *Service) UpdateCategory(ctx context.Context, id uuid.UUID, p CategoryPatch) (FlowCategory, error) {
	out, err := s.updateCategory(ctx, id, p)
	return out, fail("update category", err)
}

func (s *Service) updateCategory(ctx context.Context, id uuid.UUID, p CategoryPatch) (FlowCategory, error) {
	c, err := adminOf(ctx)
	if err != nil {
		return FlowCategory{}, err
	}
	if p.Name != nil {
		name, err := catalogueName(*p.Name, maxCategoryName)
		if err != nil {
			return FlowCategory{}, err
		}
		p.Name = &name
	}
	if p.Sort != nil && (*p.Sort < 0 || *p.Sort > maxSort) {
		return FlowCategory{}, errs.Invalidf("body.sort", "must be 0 to %d", maxSort)
	}
	var out FlowCategory
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockCategory(ctx, st, c, id); err != nil {
			return err
		}
		err := st.UpdateCategory(ctx, store.UpdateCategoryParams{TenantID: c.tenant, ID: id, Name: p.Name, Sort: p.Sort})
		if err != nil {
			return uniqueName(err, "a category with this name already exists")
		}
		if err := record(ctx, q, "flow_category.update", "flow_category", id, nil); err != nil {
			return err
		}
		out, err = readCategory(ctx, st, c, id)
		return err
	})
	return out, err
}

// DeleteCategory deletes a category of the tenant (admins); its flows are left without a category.
// A global category is Forbidden, another tenant's NotFound.
func (s *Service) DeleteCategory(ctx context.Context, id uuid.UUID) error {
	c, err := adminOf(ctx)
	if err != nil {
		return fail("delete category", err)
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := lockCategory(ctx, st, c, id); err != nil {
			return err
		}
		if err := st.DeleteCategory(ctx, store.DeleteCategoryParams{TenantID: c.tenant, ID: id}); err != nil {
			return err
		}
		return record(ctx, q, "flow_category.delete", "flow_category", id, nil)
	})
	return fail("delete category", err)
}

// lockCategory locks a category of the tenant; a global one is Forbidden, anything else NotFound.
func lockCategory(ctx context.Context, st *store.Queries, c caller, id uuid.UUID) error {
	return ownRow(func() error {
		_, err := st.LockCategory(ctx, store.LockCategoryParams{TenantID: c.tenant, ID: id})
		return err
	}, func() (bool, error) { return st.IsGlobalCategory(ctx, id) }, errGlobalCategory)
}
