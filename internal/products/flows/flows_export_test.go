package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// FlowRoutes exposes flowRoutes to the tests until the lead wires it into Routes.
var FlowRoutes = (*Service).flowRoutes

// The lists as their operations page them (httpapi.List over the service's method).

func (s *Service) ListCategoriesPage(ctx context.Context, q string, p httpapi.PageInput) (httpapi.Page[FlowCategory], error) {
	key := func(x FlowCategory) categoryKey { return categoryKey{x.Sort, x.Name, x.ID} }
	return httpapi.List(p, key, func(size int, after *categoryKey) ([]FlowCategory, error) {
		return s.ListCategories(ctx, q, size, after)
	})
}

func (s *Service) ListTagsPage(ctx context.Context, q string, p httpapi.PageInput) (httpapi.Page[FlowTag], error) {
	key := func(x FlowTag) tagKey { return tagKey{x.Name, x.ID} }
	return httpapi.List(p, key, func(size int, after *tagKey) ([]FlowTag, error) {
		return s.ListTags(ctx, q, size, after)
	})
}

func (s *Service) ListFlowsPage(ctx context.Context, f FlowFilter, p httpapi.PageInput) (httpapi.Page[Flow], error) {
	key := func(x Flow) flowKey { return flowKey{x.UpdatedAt, x.ID} }
	return httpapi.List(p, key, func(size int, after *flowKey) ([]Flow, error) {
		return s.ListFlows(ctx, f, size, after)
	})
}

func (s *Service) ListVersionsPage(ctx context.Context, id uuid.UUID, p httpapi.PageInput) (httpapi.Page[Version], error) {
	key := func(v Version) versionKey { return versionKey{v.Version} }
	return httpapi.List(p, key, func(size int, after *versionKey) ([]Version, error) {
		return s.ListVersions(ctx, id, size, after)
	})
}
