package flows

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// MaxCustomSteps is the most custom steps one session holds.
const MaxCustomSteps = 200

// SessionCustomStep is a step the technician added to a session: written on the spot (adhoc), taken from
// the step library (library, with the library step's id) or from another flow (fork).
type SessionCustomStep struct {
	ID            uuid.UUID  `json:"id" format:"uuid"`
	AfterNodeID   string     `json:"after_node_id,omitempty" doc:"The node it follows; empty: before the first node"`
	Title         string     `json:"title"`
	Content       string     `json:"content,omitempty"`
	Result        string     `json:"result,omitempty"`
	Source        string     `json:"source" enum:"adhoc,library,fork"`
	LibraryStepID *uuid.UUID `json:"library_step_id,omitempty" format:"uuid"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// CustomStepFields are the writable fields of a custom step; nil leaves a field as it is (on
// create: empty, or the library step's title and content).
type CustomStepFields struct {
	Title, Content, Result, AfterNodeID *string
	Source                              string     // create only: adhoc (default), library or fork
	LibraryStepID                       *uuid.UUID // create only: with source library (the default when set)
}

// check validates the fields against the snapshot's nodes.
func (f *CustomStepFields) check(g graph.Graph) error {
	if f.Title != nil {
		t := strings.TrimSpace(*f.Title)
		f.Title = &t
		if t == "" || utf8.RuneCountInString(t) > graph.MaxTitleLen {
			return errs.Invalidf("body.title", "must be 1 to %d characters", graph.MaxTitleLen)
		}
	}
	for _, c := range []struct {
		loc string
		s   *string
	}{{"body.content", f.Content}, {"body.result", f.Result}} {
		if c.s != nil && utf8.RuneCountInString(*c.s) > graph.MaxBodyLen {
			return errs.Invalidf(c.loc, "must be at most %d characters", graph.MaxBodyLen)
		}
	}
	if f.AfterNodeID != nil && *f.AfterNodeID != "" &&
		!slices.ContainsFunc(g.Nodes, func(n graph.Node) bool { return n.ID == *f.AfterNodeID }) {
		return errs.Invalidf("body.after_node_id", "the flow has no such node")
	}
	return nil
}

// source returns the step's source, checked against the library step id.
func (f *CustomStepFields) source() (string, error) {
	src := f.Source
	if src == "" {
		src = string(graph.SourceAdhoc)
		if f.LibraryStepID != nil {
			src = string(graph.SourceLibrary)
		}
	}
	switch {
	case src != string(graph.SourceAdhoc) && src != string(graph.SourceLibrary) && src != string(graph.SourceFork):
		return "", errs.Invalidf("body.source", "must be adhoc, library or fork")
	case src == string(graph.SourceLibrary) && f.LibraryStepID == nil:
		return "", errs.Invalidf("body.library_step_id", "required with source library")
	case src != string(graph.SourceLibrary) && f.LibraryStepID != nil:
		return "", errs.Invalidf("body.library_step_id", "only with source library")
	}
	return src, nil
}

// AddCustomStep adds a custom step to a session that has not ended, after the given node (default:
// the current node). A step from the library must be one the caller can see (422 otherwise, the
// same for a step that does not exist); its title and content are the defaults, and its usage
// count goes up by one in the same transaction.
func (s *Service) AddCustomStep(ctx context.Context, id uuid.UUID, f CustomStepFields) (FlowSession, error) {
	src, err := f.source()
	if err != nil {
		return FlowSession{}, err
	}
	return s.changeSession(ctx, "add custom step", id, func(ctx context.Context, q postgres.Querier, st *sessionState, now time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		if len(st.custom) >= MaxCustomSteps {
			return errs.E(errs.Conflict, "the session has the most custom steps it can hold")
		}
		if err := f.check(st.graph); err != nil {
			return err
		}
		step := SessionCustomStep{ID: tenancy.NewID(), AfterNodeID: st.run.Current, Source: src, LibraryStepID: f.LibraryStepID,
			CreatedAt: now, UpdatedAt: now}
		if f.LibraryStepID != nil {
			if err := useLibraryStep(ctx, q, *f.LibraryStepID, &step); err != nil {
				return err
			}
		}
		step.apply(f)
		if step.Title == "" {
			return errs.Invalidf("body.title", "required")
		}
		st.custom = append(st.custom, step)
		return auditSession(ctx, q, "session.custom_step_add", st.row.ID, map[string]any{"custom_step_id": step.ID.String(), "source": src})
	})
}

// useLibraryStep counts one use of a library step the caller can see and copies its title and
// content into step.
func useLibraryStep(ctx context.Context, q postgres.Querier, id uuid.UUID, step *SessionCustomStep) error {
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return err
	}
	r, err := store.New(q).UseLibraryStep(ctx, store.UseLibraryStepParams{TenantID: m.tenant, ID: id, Me: m.user})
	if postgres.IsNoRows(err) {
		return errs.Invalidf("body.library_step_id", "not found")
	}
	if err != nil {
		return err
	}
	step.Title, step.Content = r.Title, r.Content
	return nil
}

// apply writes the given fields into the step.
func (c *SessionCustomStep) apply(f CustomStepFields) {
	for _, u := range []struct {
		from *string
		to   *string
	}{{f.Title, &c.Title}, {f.Content, &c.Content}, {f.Result, &c.Result}, {f.AfterNodeID, &c.AfterNodeID}} {
		if u.from != nil {
			*u.to = *u.from
		}
	}
}

// UpdateCustomStep changes a custom step of a session that has not ended (errs.ErrNotFound for an
// unknown step).
func (s *Service) UpdateCustomStep(ctx context.Context, id, stepID uuid.UUID, f CustomStepFields) (FlowSession, error) {
	if f.Source != "" || f.LibraryStepID != nil {
		return FlowSession{}, errs.Invalidf("body.source", "the source of a custom step does not change")
	}
	return s.changeSession(ctx, "update custom step", id, func(ctx context.Context, q postgres.Querier, st *sessionState, now time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		i := slices.IndexFunc(st.custom, func(c SessionCustomStep) bool { return c.ID == stepID })
		if i < 0 {
			return errs.ErrNotFound
		}
		if err := f.check(st.graph); err != nil {
			return err
		}
		st.custom[i].apply(f)
		st.custom[i].UpdatedAt = now
		return auditSession(ctx, q, "session.custom_step_update", st.row.ID, map[string]any{"custom_step_id": stepID.String()})
	})
}

// DeleteCustomStep removes a custom step from a session that has not ended (errs.ErrNotFound for
// an unknown step).
func (s *Service) DeleteCustomStep(ctx context.Context, id, stepID uuid.UUID) (FlowSession, error) {
	return s.changeSession(ctx, "delete custom step", id, func(ctx context.Context, q postgres.Querier, st *sessionState, _ time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		i := slices.IndexFunc(st.custom, func(c SessionCustomStep) bool { return c.ID == stepID })
		if i < 0 {
			return errs.ErrNotFound
		}
		st.custom = slices.Delete(st.custom, i, i+1)
		return auditSession(ctx, q, "session.custom_step_delete", st.row.ID, map[string]any{"custom_step_id": stepID.String()})
	})
}
