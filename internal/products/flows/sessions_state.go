package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// member is the signed-in member a per-user operation (sessions, the step library) runs for.
type member struct {
	tenant, user uuid.UUID
	role         tenancy.Role
}

// memberOf returns the calling member, who must hold at least role min (403 otherwise). Only a
// signed-in member reaches per-user data: an API key carries the id of the member who created it,
// not of a caller, so a key (or any other principal) is refused here as well as by the routes'
// access declarations.
func memberOf(ctx context.Context, min tenancy.Role) (member, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return member{}, err
	}
	if sc.Principal.Kind != tenancy.PrincipalUser || sc.Principal.UserID.IsZero() || !sc.Role.AtLeast(min) {
		return member{}, errs.ErrForbidden
	}
	return member{tenant: sc.Tenant.UUID(), user: sc.Principal.UserID.UUID(), role: sc.Role}, nil
}

// notFound turns "no row" into the one NotFound error every 404 carries, so that another user's
// session, another tenant's object and a random id are indistinguishable.
func notFound(err error) error {
	if postgres.IsNoRows(err) || errs.Is(err, errs.NotFound) {
		return errs.ErrNotFound
	}
	return err
}

// runInvalid turns the graph package's client errors into Invalid errors (422) with field
// locations under prefix ("body." for a field of the request body); other errors pass unchanged.
func runInvalid(err error, prefix string) error {
	var ve *graph.ValidationError
	if errors.As(err, &ve) {
		out := &errs.Error{Kind: errs.Invalid, Message: "validation failed"}
		for _, p := range ve.Problems {
			out.Fields = append(out.Fields, errs.FieldError{Location: prefix + p.Field, Message: p.Message})
		}
		return out
	}
	var se *graph.StepError
	if errors.As(err, &se) {
		if se.Field == "run" {
			return errs.Invalidf("session", "%s", se.Message)
		}
		return errs.Invalidf(prefix+se.Field, "%s", se.Message)
	}
	return err
}

// The session statuses.
const (
	StatusPrepared  = "prepared"  // created with pre-filled variables, not started
	StatusActive    = "active"    // being worked
	StatusCompleted = "completed" // ended with an outcome
	StatusAbandoned = "abandoned" // given up
)

// snapshotDoc is what a session's snapshot column holds: the published version's graph document
// as it was at the start (its nodes, and any other member the graph document has), with the
// version's title, description and kind added. The public share view is built from it.
type snapshotDoc struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Kind        string `json:"kind,omitempty"`
}

// runDoc is what a session's run column holds: graph.Run without the variables, which have their
// own column. A prepared session's run is empty ({}).
type runDoc struct {
	Current   string           `json:"current,omitempty"`
	Path      []string         `json:"path,omitempty"`
	Decisions []graph.Decision `json:"decisions,omitempty"`
	Outcome   graph.Outcome    `json:"outcome,omitempty"`
	Done      bool             `json:"done,omitempty"`
}

// sessionState is a session row decoded for the service to change.
type sessionState struct {
	row    store.FlowSession
	meta   snapshotDoc
	graph  graph.Graph
	run    graph.Run // with the variables
	custom []SessionCustomStep
}

// decodeSession decodes a session row's documents.
func decodeSession(row store.FlowSession) (*sessionState, error) {
	st := &sessionState{row: row}
	var rd runDoc
	vars := map[string]any{}
	for _, d := range []struct {
		data []byte
		into any
	}{{row.Snapshot, &st.meta}, {row.Snapshot, &st.graph}, {row.Run, &rd}, {row.Variables, &vars}, {row.CustomSteps, &st.custom}} {
		if len(d.data) == 0 {
			continue
		}
		if err := json.Unmarshal(d.data, d.into); err != nil {
			return nil, fmt.Errorf("flows: decode session %s: %w", row.ID, err)
		}
	}
	st.run = graph.Run{Current: rd.Current, Path: rd.Path, Decisions: rd.Decisions, Variables: vars, Outcome: rd.Outcome, Done: rd.Done}
	if st.run.Path == nil {
		st.run.Path = []string{}
	}
	if st.run.Decisions == nil {
		st.run.Decisions = []graph.Decision{}
	}
	if st.custom == nil {
		st.custom = []SessionCustomStep{}
	}
	return st, nil
}

// writable fails with a Conflict when the session has ended.
func (st *sessionState) writable() error {
	switch st.row.Status {
	case StatusCompleted:
		return errs.E(errs.Conflict, "the session is completed")
	case StatusAbandoned:
		return errs.E(errs.Conflict, "the session is abandoned")
	}
	return nil
}

// running fails with a Conflict unless the session is active.
func (st *sessionState) running() error {
	if st.row.Status == StatusPrepared {
		return errs.E(errs.Conflict, "the session has not been started")
	}
	return st.writable()
}

// complete ends the session with an outcome.
func (st *sessionState) complete(outcome graph.Outcome, now time.Time) {
	o := string(outcome)
	st.row.Status, st.row.Outcome, st.row.CompletedAt = StatusCompleted, &o, &now
}

// save writes the state back to its (locked) row.
func (st *sessionState) save(ctx context.Context, qs *store.Queries, m member, now time.Time) error {
	run, err := json.Marshal(st.runDoc())
	if err != nil {
		return err
	}
	vars, err := json.Marshal(nonNilMap(st.run.Variables))
	if err != nil {
		return err
	}
	custom, err := json.Marshal(st.custom)
	if err != nil {
		return err
	}
	r := st.row
	n, err := qs.SaveSession(ctx, store.SaveSessionParams{Status: r.Status, Outcome: r.Outcome, Run: run, CustomSteps: custom,
		Scratchpad: r.Scratchpad, Variables: vars, TicketNumber: r.TicketNumber, ClientName: r.ClientName,
		StartedAt: r.StartedAt, CompletedAt: r.CompletedAt, AbandonedAt: r.AbandonedAt, Now: now,
		TenantID: m.tenant, ID: r.ID, Me: m.user})
	if err == nil && n != 1 {
		err = errs.ErrNotFound
	}
	st.row.UpdatedAt = now
	return err
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return maps.Clone(m)
}

// sessionChange changes a decoded, locked session and writes the change's audit row (auditSession);
// it may write more in the same transaction.
type sessionChange func(ctx context.Context, q postgres.Querier, st *sessionState, now time.Time) error

// changeSession runs one write to a session of the caller in one transaction: it locks the row
// (owned by or assigned to the caller, in the query), applies change and saves the result, so two
// concurrent writes to one session never lose each other's update.
func (s *Service) changeSession(ctx context.Context, op string, id uuid.UUID, change sessionChange) (FlowSession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return FlowSession{}, fmt.Errorf("flows: %s: %w", op, err)
	}
	now := s.now().UTC()
	var out FlowSession
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		row, err := qs.LockSession(ctx, store.LockSessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		if err != nil {
			return notFound(err)
		}
		st, err := decodeSession(row)
		if err != nil {
			return err
		}
		wasCompleted := st.row.Status == StatusCompleted
		if err := change(ctx, q, st, now); err != nil {
			return err
		}
		if err := st.save(ctx, qs, m, now); err != nil {
			return err
		}
		out = st.view()
		if !wasCompleted && out.Status == StatusCompleted {
			if out.CSATToken, err = issueSurvey(ctx, qs, m.tenant, st.row.ID, now); err != nil {
				return err
			}
			return webhooks.Emit(ctx, q, webhooks.SessionCompleted, completedSession(out))
		}
		return nil
	})
	if err != nil {
		return FlowSession{}, fmt.Errorf("flows: %s: %w", op, err)
	}
	return out, nil
}

// SessionCompletedEvent is the data of a flows.session.completed webhook: the session's identity
// and outcome, never its content (notes, variables, scratchpad), which only its owner and
// assignee may read.
type SessionCompletedEvent struct {
	ID          uuid.UUID  `json:"id"`
	FlowID      *uuid.UUID `json:"flow_id"`
	FlowVersion *int32     `json:"flow_version"`
	Title       string     `json:"title"`
	Outcome     *string    `json:"outcome"`
	OwnerID     uuid.UUID  `json:"owner_id"`
	AssignedTo  *uuid.UUID `json:"assigned_to"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

func completedSession(s FlowSession) SessionCompletedEvent {
	return SessionCompletedEvent{ID: s.ID, FlowID: s.FlowID, FlowVersion: s.FlowVersion, Title: s.Title, Outcome: s.Outcome,
		OwnerID: s.OwnerID, AssignedTo: s.AssignedTo, StartedAt: s.StartedAt, CompletedAt: s.CompletedAt}
}

// auditSession writes a session's audit row in the change's transaction. Details never carry the
// session's content (notes, variables, scratchpad).
func auditSession(ctx context.Context, q postgres.Querier, action string, id uuid.UUID, details map[string]any) error {
	return audit.Record(ctx, q, audit.Event{Action: action, TargetType: "flow_session", TargetID: id.String(), Details: details})
}
