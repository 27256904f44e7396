package flows_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// newStep creates a library step of u's.
func (w *sessWorld) newStep(t *testing.T, u sessUser, title, visibility string, team *uuid.UUID) flows.LibraryStep {
	t.Helper()
	st, err := w.svc.CreateLibraryStep(u.ctx, flows.LibraryStepFields{Title: &title, StepType: ptrTo("instruction"),
		Content: ptrTo("content of " + title), Visibility: &visibility, TeamID: team})
	if err != nil {
		t.Fatalf("create step %q: %v", title, err)
	}
	return st
}

// TestLibraryVisibility: a step is visible to its owner, the tenant (account) or its team's
// members; changing it needs ownership or the admin role as well. Failing either check is the
// same 404 as a random id, never 403; other tenants see nothing.
func TestLibraryVisibility(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	private := w.newStep(t, w.alice, "Private step", "private", nil)
	account := w.newStep(t, w.alice, "Account step", "account", nil)
	team := w.newStep(t, w.alice, "Team step", "team", &w.team)
	if !private.CanEdit || private.OwnerID != w.alice.id || team.TeamID == nil || *team.TeamID != w.team {
		t.Fatalf("created: %+v %+v", private, team)
	}
	get := func(u sessUser, id uuid.UUID) error { _, err := w.svc.GetLibraryStep(u.ctx, id); return err }
	patch := func(u sessUser, id uuid.UUID) error {
		_, err := w.svc.UpdateLibraryStep(u.ctx, id, flows.LibraryStepFields{Title: ptrTo("changed by someone")})
		return err
	}
	for _, c := range []struct {
		who        sessUser
		id         uuid.UUID
		see, patch bool
	}{
		{w.alice, private.ID, true, true}, {w.bob, private.ID, false, false}, {w.adam, private.ID, false, false},
		{w.bob, account.ID, true, false}, {w.vic, account.ID, true, false}, {w.adam, account.ID, true, true},
		{w.carol, team.ID, true, false}, {w.bob, team.ID, false, false}, {w.adam, team.ID, false, false},
		{w.mallory, account.ID, false, false}, {w.alice, tenancy.NewID(), false, false},
	} {
		name := c.who.id.String()[:8] + " on " + c.id.String()[:8]
		if err := get(c.who, c.id); c.see && err != nil {
			t.Errorf("%s: get: %v", name, err)
		} else if !c.see {
			expectNotFound(t, err, name+": get")
		}
		if err := patch(c.who, c.id); c.patch && err != nil {
			t.Errorf("%s: patch: %v", name, err)
		} else if !c.patch && c.who.role != tenancy.RoleViewer {
			expectNotFound(t, err, name+": patch")
		}
	}
	err := w.svc.DeleteLibraryStep(w.bob.ctx, account.ID)
	expectNotFound(t, err, "delete a visible step of someone else's")
	_, err = w.svc.UpdateLibraryStep(w.vic.ctx, account.ID, flows.LibraryStepFields{Title: ptrTo("x")})
	expectKind(t, err, errs.Forbidden, "a viewer writes")

	list := func(u sessUser, q string) map[uuid.UUID]bool {
		t.Helper()
		steps, err := w.svc.ListLibrarySteps(u.ctx, q, 50, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[uuid.UUID]bool{}
		for _, s := range steps {
			out[s.ID] = true
		}
		return out
	}
	if got := list(w.bob, ""); len(got) != 1 || !got[account.ID] {
		t.Errorf("bob lists %v, want only the account step", got)
	}
	if got := list(w.carol, ""); len(got) != 2 || !got[account.ID] || !got[team.ID] {
		t.Errorf("carol lists %v, want the account and team steps", got)
	}
	if got := list(w.alice, "TEAM"); len(got) != 1 || !got[team.ID] {
		t.Errorf("search: %v", got)
	}
	if got := list(w.mallory, ""); len(got) != 0 {
		t.Errorf("tenant B lists %v", got)
	}
}

// TestLibraryWrites: create and change validate their fields (a team step needs a team the
// author belongs to); delete is soft and hides the step.
func TestLibraryWrites(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	for name, f := range map[string]flows.LibraryStepFields{
		"no title":       {StepType: ptrTo("note")},
		"bad type":       {Title: ptrTo("x"), StepType: ptrTo("poem")},
		"team, no team":  {Title: ptrTo("x"), StepType: ptrTo("note"), Visibility: ptrTo("team")},
		"not my team":    {Title: ptrTo("x"), StepType: ptrTo("note"), Visibility: ptrTo("team"), TeamID: &w.team},
		"unknown team":   {Title: ptrTo("x"), StepType: ptrTo("note"), Visibility: ptrTo("team"), TeamID: ptrTo(tenancy.NewID())},
		"team, not team": {Title: ptrTo("x"), StepType: ptrTo("note"), Visibility: ptrTo("account"), TeamID: &w.team},
	} {
		_, err := w.svc.CreateLibraryStep(w.bob.ctx, f)
		expectKind(t, err, errs.Invalid, name)
	}
	st := w.newStep(t, w.bob, "Bob's step", "private", nil)
	got, err := w.svc.UpdateLibraryStep(w.bob.ctx, st.ID, flows.LibraryStepFields{Content: ptrTo("new content"), Visibility: ptrTo("account")})
	if err != nil || got.Content != "new content" || got.Visibility != "account" || got.Title != "Bob's step" {
		t.Fatalf("update: %+v, %v", got, err)
	}
	if _, err := w.svc.GetLibraryStep(w.carol.ctx, st.ID); err != nil {
		t.Errorf("made account-visible, carol cannot see it: %v", err)
	}
	if err := w.svc.DeleteLibraryStep(w.bob.ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.GetLibraryStep(w.bob.ctx, st.ID)
	expectNotFound(t, err, "deleted step")
	err = w.svc.DeleteLibraryStep(w.bob.ctx, st.ID)
	expectNotFound(t, err, "delete twice")
}

// TestLibrarySaveCopy: saving a visible step makes a private copy owned by the caller, pointing
// at its source, whose usage count goes up by one.
func TestLibrarySaveCopy(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	src := w.newStep(t, w.alice, "Shared step", "account", nil)
	cp, err := w.svc.SaveLibraryStepCopy(w.bob.ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cp.ID == src.ID || cp.OwnerID != w.bob.id || cp.Visibility != "private" || cp.SavedFromID == nil || *cp.SavedFromID != src.ID ||
		cp.Title != src.Title || cp.Content != src.Content || !cp.CanEdit {
		t.Fatalf("copy: %+v", cp)
	}
	if after, _ := w.svc.GetLibraryStep(w.alice.ctx, src.ID); after.UsageCount != 1 {
		t.Errorf("source usage count = %d, want 1", after.UsageCount)
	}
	_, err = w.svc.GetLibraryStep(w.carol.ctx, cp.ID)
	expectNotFound(t, err, "someone else's private copy")
	hidden := w.newStep(t, w.alice, "Alice only", "private", nil)
	_, err = w.svc.SaveLibraryStepCopy(w.bob.ctx, hidden.ID)
	expectNotFound(t, err, "save an invisible step")
}

// TestLibraryRating: one rating per user and step (a second replaces the first), totals kept
// consistent in the same transaction, also under concurrent ratings; invisible steps are a 404.
func TestLibraryRating(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	st := w.newStep(t, w.alice, "Rated step", "account", nil)
	rate := func(u sessUser, r int) flows.LibraryStep {
		t.Helper()
		got, err := w.svc.RateLibraryStep(u.ctx, st.ID, r)
		if err != nil {
			t.Fatalf("rate %d: %v", r, err)
		}
		return got
	}
	rate(w.bob, 5)
	if got := rate(w.bob, 2); got.RatingCount != 1 || *got.RatingAverage != 2 || *got.MyRating != 2 {
		t.Fatalf("re-rating: %+v", got)
	}
	if got := rate(w.vic, 5); got.RatingCount != 2 || *got.RatingAverage != 3.5 {
		t.Fatalf("second user: %+v", got)
	}
	_, err := w.svc.RateLibraryStep(w.bob.ctx, st.ID, 6)
	expectField(t, err, "body.rating", "rating 6")
	_, err = w.svc.RateLibraryStep(w.mallory.ctx, st.ID, 4)
	expectNotFound(t, err, "other tenant rates")
	hidden := w.newStep(t, w.alice, "Alice only", "private", nil)
	_, err = w.svc.RateLibraryStep(w.bob.ctx, hidden.ID, 4)
	expectNotFound(t, err, "rate an invisible step")

	var wg sync.WaitGroup
	for i, u := range []sessUser{w.alice, w.bob, w.carol, w.adam, w.alice, w.carol} {
		wg.Go(func() {
			if _, err := w.svc.RateLibraryStep(u.ctx, st.ID, 1+i%5); err != nil {
				t.Errorf("concurrent rating: %v", err)
			}
		})
	}
	wg.Wait()
	var sum, count, realSum, realCount int64
	err = w.db.Read(w.alice.ctx, func(q postgres.Querier) error {
		return q.QueryRow(w.alice.ctx, `SELECT l.rating_sum, l.rating_count,
			(SELECT coalesce(sum(r.rating), 0) FROM library_step_ratings r WHERE r.tenant_id = l.tenant_id AND r.step_id = l.id),
			(SELECT count(*) FROM library_step_ratings r WHERE r.tenant_id = l.tenant_id AND r.step_id = l.id)
			FROM library_steps l WHERE l.tenant_id = $1 AND l.id = $2`, w.a, st.ID).Scan(&sum, &count, &realSum, &realCount)
	})
	if err != nil || sum != realSum || count != realCount || count != 5 {
		t.Errorf("totals %d/%d, ratings %d/%d, want 5 ratings (%v)", sum, count, realSum, realCount, err)
	}
}
