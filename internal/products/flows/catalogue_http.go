package flows

import (
	"context"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// ListCatalogueInput filters and pages categories or tags.
type ListCatalogueInput struct {
	httpapi.PageInput
	Query string `query:"q" maxLength:"100" doc:"A part of the name, any case"`
}

// CategoryOutput is one category.
type CategoryOutput struct {
	Body FlowCategory
}

// CategoryPage is a page of categories.
type CategoryPage struct {
	Body httpapi.Page[FlowCategory]
}

func (s *Service) handleListCategories(ctx context.Context, in *ListCatalogueInput) (*CategoryPage, error) {
	key := func(x FlowCategory) categoryKey { return categoryKey{x.Sort, x.Name, x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *categoryKey) ([]FlowCategory, error) {
		return s.ListCategories(ctx, in.Query, size, after)
	})
	return &CategoryPage{Body: page}, err
}

func (s *Service) handleGetCategory(ctx context.Context, in *httpapi.IDInput) (*CategoryOutput, error) {
	c, err := s.GetCategory(ctx, in.ID)
	return &CategoryOutput{Body: c}, err
}

// CreateCategoryInput creates a category of the tenant.
type CreateCategoryInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"100" example:"Line of business apps"`
		Sort int32  `json:"sort,omitempty" minimum:"0" maximum:"100000"`
	}
}

func (s *Service) handleCreateCategory(ctx context.Context, in *CreateCategoryInput) (*CategoryOutput, error) {
	c, err := s.CreateCategory(ctx, in.Body.Name, in.Body.Sort)
	return &CategoryOutput{Body: c}, err
}

// UpdateCategoryInput changes a category of the tenant; absent fields stay.
type UpdateCategoryInput struct {
	httpapi.IDInput
	Body struct {
		Name *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Sort *int32  `json:"sort,omitempty" minimum:"0" maximum:"100000"`
	}
}

func (s *Service) handleUpdateCategory(ctx context.Context, in *UpdateCategoryInput) (*CategoryOutput, error) {
	c, err := s.UpdateCategory(ctx, in.ID, CategoryPatch{Name: in.Body.Name, Sort: in.Body.Sort})
	return &CategoryOutput{Body: c}, err
}

func (s *Service) handleDeleteCategory(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteCategory(ctx, in.ID)
}

// TagOutput is one tag.
type TagOutput struct {
	Body FlowTag
}

// TagPage is a page of tags.
type TagPage struct {
	Body httpapi.Page[FlowTag]
}

func (s *Service) handleListTags(ctx context.Context, in *ListCatalogueInput) (*TagPage, error) {
	key := func(x FlowTag) tagKey { return tagKey{x.Name, x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *tagKey) ([]FlowTag, error) {
		return s.ListTags(ctx, in.Query, size, after)
	})
	return &TagPage{Body: page}, err
}

func (s *Service) handleGetTag(ctx context.Context, in *httpapi.IDInput) (*TagOutput, error) {
	t, err := s.GetTag(ctx, in.ID)
	return &TagOutput{Body: t}, err
}

// TagNameInput names a tag of the tenant.
type TagNameInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"50" example:"outlook"`
	}
}

func (s *Service) handleCreateTag(ctx context.Context, in *TagNameInput) (*TagOutput, error) {
	t, err := s.CreateTag(ctx, in.Body.Name)
	return &TagOutput{Body: t}, err
}

// RenameTagInput renames a tag of the tenant.
type RenameTagInput struct {
	httpapi.IDInput
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"50"`
	}
}

func (s *Service) handleRenameTag(ctx context.Context, in *RenameTagInput) (*TagOutput, error) {
	t, err := s.RenameTag(ctx, in.ID, in.Body.Name)
	return &TagOutput{Body: t}, err
}

func (s *Service) handleDeleteTag(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteTag(ctx, in.ID)
}
