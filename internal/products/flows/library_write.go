package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Limits and values of library steps (the schema's checks, reported as 422 before they fire).
const (
	MaxLibraryTitleLen     = 200   // characters
	MaxLibraryContentBytes = 65536 // bytes of UTF-8
)

var (
	libraryStepTypes    = []string{"instruction", "action", "question", "input", "link", "note", "resolution"}
	libraryVisibilities = []string{"private", "team", "account"}
)

// LibraryStepFields are the writable fields of a library step; nil leaves a field as it is (on
// create: title and step type are required, visibility defaults to private). A team is required
// with visibility team, and dropped with any other visibility.
type LibraryStepFields struct {
	Title, StepType, Content, Visibility *string
	TeamID                               *uuid.UUID
}

func (f *LibraryStepFields) validate(create bool) error {
	if f.Title != nil {
		t := strings.TrimSpace(*f.Title)
		f.Title = &t
	}
	switch {
	case create && (f.Title == nil || f.StepType == nil):
		return errs.Invalidf("body", "title and step_type are required")
	case f.Title != nil && (*f.Title == "" || utf8.RuneCountInString(*f.Title) > MaxLibraryTitleLen):
		return errs.Invalidf("body.title", "must be 1 to %d characters", MaxLibraryTitleLen)
	case f.StepType != nil && !slices.Contains(libraryStepTypes, *f.StepType):
		return errs.Invalidf("body.step_type", "must be one of %s", strings.Join(libraryStepTypes, ", "))
	case f.Content != nil && len(*f.Content) > MaxLibraryContentBytes:
		return errs.Invalidf("body.content", "must be at most %d bytes", MaxLibraryContentBytes)
	case f.Visibility != nil && !slices.Contains(libraryVisibilities, *f.Visibility):
		return errs.Invalidf("body.visibility", "must be private, team or account")
	}
	return nil
}

// placement returns the step's visibility and team after the change, from the current ones.
func (f *LibraryStepFields) placement(ctx context.Context, qs *store.Queries, m member, visibility string, team uuid.NullUUID) (string, uuid.NullUUID, error) {
	if f.Visibility != nil {
		visibility = *f.Visibility
	}
	if f.TeamID != nil {
		team = uuid.NullUUID{UUID: *f.TeamID, Valid: true}
	}
	if visibility != "team" {
		if f.TeamID != nil {
			return "", team, errs.Invalidf("body.team_id", "only with visibility team")
		}
		return visibility, uuid.NullUUID{}, nil
	}
	if !team.Valid {
		return "", team, errs.Invalidf("body.team_id", "required with visibility team")
	}
	if f.TeamID == nil {
		return visibility, team, nil // the step's own team, unchanged
	}
	r, err := qs.TeamMembership(ctx, store.TeamMembershipParams{TenantID: m.tenant, TeamID: team.UUID, Me: m.user})
	switch {
	case err != nil:
		return "", team, err
	case !r.TeamExists:
		return "", team, errs.Invalidf("body.team_id", "no such team")
	case !r.IsMember && !m.role.AtLeast(tenancy.RoleAdmin):
		return "", team, errs.Invalidf("body.team_id", "you are not a member of this team")
	}
	return visibility, team, nil
}

// CreateLibraryStep adds a step to the library, owned by the caller.
func (s *Service) CreateLibraryStep(ctx context.Context, f LibraryStepFields) (LibraryStep, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err == nil {
		err = f.validate(true)
	}
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: create library step: %w", err)
	}
	id, now, content := tenancy.NewID(), s.now().UTC(), ""
	if f.Content != nil {
		content = *f.Content
	}
	var out LibraryStep
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		visibility, team, err := f.placement(ctx, qs, m, "private", uuid.NullUUID{})
		if err != nil {
			return err
		}
		err = qs.InsertLibraryStep(ctx, store.InsertLibraryStepParams{TenantID: m.tenant, ID: id, OwnerID: m.user, TeamID: team,
			Title: *f.Title, StepType: *f.StepType, Content: content, Visibility: visibility, Now: now})
		if err != nil {
			return err
		}
		if err := auditLibrary(ctx, q, "library_step.create", id, map[string]any{"visibility": visibility}); err != nil {
			return err
		}
		out, err = getLibraryStep(ctx, qs, m, id)
		return err
	})
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: create library step: %w", err)
	}
	return out, nil
}

// UpdateLibraryStep changes a step the caller can see and edit (errs.ErrNotFound otherwise).
func (s *Service) UpdateLibraryStep(ctx context.Context, id uuid.UUID, f LibraryStepFields) (LibraryStep, error) {
	if err := f.validate(false); err != nil {
		return LibraryStep{}, fmt.Errorf("flows: update library step: %w", err)
	}
	return s.editLibraryStep(ctx, "update", id, func(qs *store.Queries, m member, cur store.LockEditableLibraryStepRow, now time.Time) error {
		visibility, team, err := f.placement(ctx, qs, m, cur.Visibility, cur.TeamID)
		if err != nil {
			return err
		}
		return qs.UpdateLibraryStep(ctx, store.UpdateLibraryStepParams{Title: f.Title, StepType: f.StepType, Content: f.Content,
			Visibility: visibility, TeamID: team, Now: now, TenantID: m.tenant, ID: id})
	})
}

// DeleteLibraryStep soft-deletes a step the caller can see and edit (errs.ErrNotFound otherwise).
// Custom steps copied from it stay in their sessions; copies saved from it stay in their owners'
// libraries.
func (s *Service) DeleteLibraryStep(ctx context.Context, id uuid.UUID) error {
	_, err := s.editLibraryStep(ctx, "delete", id, func(qs *store.Queries, m member, _ store.LockEditableLibraryStepRow, now time.Time) error {
		return qs.DeleteLibraryStep(ctx, store.DeleteLibraryStepParams{Now: &now, TenantID: m.tenant, ID: id})
	})
	return err
}

// editLibraryStep locks a step the caller can see and edit, applies change and audits it
// (library_step.<action>), in one transaction, and returns the step afterwards (nothing once
// deleted).
func (s *Service) editLibraryStep(ctx context.Context, action string, id uuid.UUID,
	change func(*store.Queries, member, store.LockEditableLibraryStepRow, time.Time) error) (LibraryStep, error) {
	op := action + " library step"
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: %s: %w", op, err)
	}
	now := s.now().UTC()
	var out LibraryStep
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		cur, err := qs.LockEditableLibraryStep(ctx, store.LockEditableLibraryStepParams{TenantID: m.tenant, ID: id, Me: m.user,
			CanEditAll: m.role.AtLeast(tenancy.RoleAdmin)})
		if err != nil {
			return notFound(err)
		}
		if err := change(qs, m, cur, now); err != nil {
			return err
		}
		if err := auditLibrary(ctx, q, "library_step."+action, id, nil); err != nil {
			return err
		}
		if action == "delete" {
			return nil
		}
		out, err = getLibraryStep(ctx, qs, m, id)
		return err
	})
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: %s: %w", op, err)
	}
	return out, nil
}

// SaveLibraryStepCopy saves a copy of a step the caller can see into the caller's own library:
// private, owned by the caller, remembering its source (saved_from_id). The source's usage count
// goes up by one, atomically, in the same transaction.
func (s *Service) SaveLibraryStepCopy(ctx context.Context, id uuid.UUID) (LibraryStep, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: save library step: %w", err)
	}
	copyID, now := tenancy.NewID(), s.now().UTC()
	var out LibraryStep
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		src, err := qs.UseLibraryStep(ctx, store.UseLibraryStepParams{TenantID: m.tenant, ID: id, Me: m.user})
		if err != nil {
			return notFound(err)
		}
		err = qs.InsertLibraryStep(ctx, store.InsertLibraryStepParams{TenantID: m.tenant, ID: copyID, OwnerID: m.user,
			Title: src.Title, StepType: src.StepType, Content: src.Content, Visibility: "private",
			SavedFromID: uuid.NullUUID{UUID: id, Valid: true}, Now: now})
		if err != nil {
			return err
		}
		if err := auditLibrary(ctx, q, "library_step.save", copyID, map[string]any{"saved_from_id": id.String()}); err != nil {
			return err
		}
		out, err = getLibraryStep(ctx, qs, m, copyID)
		return err
	})
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: save library step: %w", err)
	}
	return out, nil
}

// RateLibraryStep records the caller's rating (1 to 5) of a step they can see: one rating per user
// and step, a second one replaces the first. The step's rating sum and count change in the same
// transaction, under the step's row lock, so they always match the ratings.
func (s *Service) RateLibraryStep(ctx context.Context, id uuid.UUID, rating int) (LibraryStep, error) {
	if rating < 1 || rating > 5 {
		return LibraryStep{}, errs.Invalidf("body.rating", "must be 1 to 5")
	}
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: rate library step: %w", err)
	}
	now := s.now().UTC()
	var out LibraryStep
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		if _, err := qs.LockVisibleLibraryStep(ctx, store.LockVisibleLibraryStepParams{TenantID: m.tenant, ID: id, Me: m.user}); err != nil {
			return notFound(err)
		}
		if err := putRating(ctx, qs, m, id, int16(rating), now); err != nil {
			return err
		}
		if err := auditLibrary(ctx, q, "library_step.rate", id, map[string]any{"rating": rating}); err != nil {
			return err
		}
		out, err = getLibraryStep(ctx, qs, m, id)
		return err
	})
	if err != nil {
		return LibraryStep{}, fmt.Errorf("flows: rate library step: %w", err)
	}
	return out, nil
}

// putRating inserts or replaces the member's rating of a locked step and adjusts its totals.
func putRating(ctx context.Context, qs *store.Queries, m member, id uuid.UUID, rating int16, now time.Time) error {
	old, err := qs.GetMyLibraryRating(ctx, store.GetMyLibraryRatingParams{TenantID: m.tenant, StepID: id, Me: m.user})
	add := store.AddLibraryRatingParams{TenantID: m.tenant, ID: id, SumDelta: int64(rating) - int64(old)}
	switch {
	case postgres.IsNoRows(err):
		add.SumDelta, add.CountDelta = int64(rating), 1
		err = qs.InsertLibraryRating(ctx, store.InsertLibraryRatingParams{TenantID: m.tenant, StepID: id, Me: m.user, Rating: rating, Now: now})
	case err == nil:
		err = qs.UpdateLibraryRating(ctx, store.UpdateLibraryRatingParams{Rating: rating, Now: now, TenantID: m.tenant, StepID: id, Me: m.user})
	}
	if err != nil {
		return err
	}
	return qs.AddLibraryRating(ctx, add)
}

// auditLibrary writes a library step's audit row in the change's transaction.
func auditLibrary(ctx context.Context, q postgres.Querier, action string, id uuid.UUID, details map[string]any) error {
	return audit.Record(ctx, q, audit.Event{Action: action, TargetType: "library_step", TargetID: id.String(), Details: details})
}
