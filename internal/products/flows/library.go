package flows

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// LibraryStep is a reusable step of the step library. A step is visible to its owner, to every
// member of the tenant (visibility account) or to the members of its team (visibility team).
// Reading needs visibility; changing and deleting need visibility and ownership or the admin
// role. A step that fails either check answers errs.ErrNotFound, never Forbidden (the seed's rule
// for library steps).
type LibraryStep struct {
	ID            uuid.UUID  `json:"id" format:"uuid"`
	OwnerID       uuid.UUID  `json:"owner_id" format:"uuid"`
	TeamID        *uuid.UUID `json:"team_id" format:"uuid"`
	Title         string     `json:"title"`
	StepType      string     `json:"step_type" enum:"instruction,action,question,input,link,note,resolution"`
	Content       string     `json:"content"`
	Visibility    string     `json:"visibility" enum:"private,team,account"`
	UsageCount    int64      `json:"usage_count" doc:"Custom steps taken from it and copies saved from it"`
	RatingCount   int64      `json:"rating_count"`
	RatingAverage *float64   `json:"rating_average" doc:"null until rated"`
	MyRating      *int       `json:"my_rating,omitempty" doc:"The caller's own rating (single reads only)"`
	SavedFromID   *uuid.UUID `json:"saved_from_id" format:"uuid" doc:"The step this one was copied from"`
	CanEdit       bool       `json:"can_edit" doc:"Whether the caller may change or delete it"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// libraryStepOf converts a row (the list's row type, to which the single read's converts).
func libraryStepOf(m member, r store.ListLibraryStepsRow) LibraryStep {
	out := LibraryStep{ID: r.ID, OwnerID: r.OwnerID, TeamID: idOrNil(r.TeamID), Title: r.Title, StepType: r.StepType,
		Content: r.Content, Visibility: r.Visibility, UsageCount: r.UsageCount, RatingCount: r.RatingCount,
		SavedFromID: idOrNil(r.SavedFromID), CanEdit: m.canEdit(r.OwnerID), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.RatingCount > 0 {
		avg := float64(r.RatingSum) / float64(r.RatingCount)
		out.RatingAverage = &avg
	}
	return out
}

// canEdit reports whether the member may change a visible step of owner.
func (m member) canEdit(owner uuid.UUID) bool {
	return owner == m.user || m.role.AtLeast(tenancy.RoleAdmin)
}

// GetLibraryStep returns a step the caller can see, with the caller's own rating.
func (s *Service) GetLibraryStep(ctx context.Context, id uuid.UUID) (LibraryStep, error) {
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: get library step: %w", err)
	}
	var out LibraryStep
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = getLibraryStep(ctx, store.New(q), m, id)
		return err
	})
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: get library step: %w", err)
	}
	return out, nil
}

func getLibraryStep(ctx context.Context, qs *store.Queries, m member, id uuid.UUID) (LibraryStep, error) {
	r, err := qs.GetVisibleLibraryStep(ctx, store.GetVisibleLibraryStepParams{TenantID: m.tenant, ID: id, Me: m.user})
	if err != nil {
		return LibraryStep{}, notFound(err)
	}
	out := libraryStepOf(m, store.ListLibraryStepsRow{ID: r.ID, OwnerID: r.OwnerID, TeamID: r.TeamID, Title: r.Title,
		StepType: r.StepType, Content: r.Content, Visibility: r.Visibility, UsageCount: r.UsageCount, RatingSum: r.RatingSum,
		RatingCount: r.RatingCount, SavedFromID: r.SavedFromID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	if r.MyRating > 0 {
		mine := int(r.MyRating)
		out.MyRating = &mine
	}
	return out, nil
}

// LibraryStepKey is the sort key of the library list, carried in its cursor.
type LibraryStepKey struct {
	UpdatedAt time.Time `json:"u"`
	ID        uuid.UUID `json:"i"`
}

// ListLibrarySteps lists the steps the caller can see (their own, the tenant's, their teams'),
// most recently changed first, optionally those whose title or content contains query (any case):
// at most size+1, after the key of the previous page's last item.
func (s *Service) ListLibrarySteps(ctx context.Context, query string, size int, after *LibraryStepKey) ([]LibraryStep, error) {
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return nil, fmt.Errorf("flows: list library steps: %w", err)
	}
	p := store.ListLibraryStepsParams{TenantID: m.tenant, Me: m.user, Lim: int32(size + 1)}
	if query != "" {
		p.Q = &query
	}
	if after != nil {
		p.AfterUpdated, p.AfterID = &after.UpdatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []LibraryStep
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListLibrarySteps(ctx, p)
		for _, r := range rows {
			out = append(out, libraryStepOf(m, r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: list library steps: %w", err)
	}
	return out, nil
}
