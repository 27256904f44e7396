package flows

import (
	"context"
	"encoding/json"
	"fmt"
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

// Limits of a session's free-text fields (the schema's checks, reported as 422 before they fire).
const (
	MaxTicketNumberLen = 100    // characters
	MaxClientNameLen   = 200    // characters
	MaxScratchpadBytes = 262144 // bytes of UTF-8
)

// NewSession is a session to start (CreateSession) or to prepare (PrepareSession).
type NewSession struct {
	FlowID       uuid.UUID
	AssignedTo   *uuid.UUID     // PrepareSession only: the member who will work it
	Variables    map[string]any // checked against the input definitions of the flow's current version
	TicketNumber string
	ClientName   string
}

func (n *NewSession) validate() error {
	n.TicketNumber, n.ClientName = strings.TrimSpace(n.TicketNumber), strings.TrimSpace(n.ClientName)
	return checkTicket(&n.TicketNumber, &n.ClientName)
}

// checkTicket checks the lengths of a ticket number and a client name (nil: not given).
func checkTicket(ticket, client *string) error {
	if ticket != nil && utf8.RuneCountInString(*ticket) > MaxTicketNumberLen {
		return errs.Invalidf("body.ticket_number", "must be at most %d characters", MaxTicketNumberLen)
	}
	if client != nil && utf8.RuneCountInString(*client) > MaxClientNameLen {
		return errs.Invalidf("body.client_name", "must be at most %d characters", MaxClientNameLen)
	}
	return nil
}

// CreateSession starts a session on the current published version of a flow the caller can see
// (private: its author; team: the members of its team; account: every member; otherwise
// errs.ErrNotFound). The version's graph is copied into the session (the snapshot), so editing or
// republishing the flow never changes the session. The variables are checked against the
// snapshot's input definitions (422); the run starts at the start node and passes logic nodes.
func (s *Service) CreateSession(ctx context.Context, n NewSession) (FlowSession, error) {
	if n.AssignedTo != nil {
		return FlowSession{}, errs.Invalidf("body.assigned_to", "only a prepared session is assigned")
	}
	return s.newSession(ctx, "create session", n, false)
}

// PrepareSession creates a session that has not started: variables pre-filled, optionally
// assigned to another member of the tenant (errs.ErrNotFound when not a member), who can then
// read, change and start it like its owner.
func (s *Service) PrepareSession(ctx context.Context, n NewSession) (FlowSession, error) {
	return s.newSession(ctx, "prepare session", n, true)
}

func (s *Service) newSession(ctx context.Context, op string, n NewSession, prepare bool) (FlowSession, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err == nil {
		err = n.validate()
	}
	if err != nil {
		return FlowSession{}, fmt.Errorf("flows: %s: %w", op, err)
	}
	now, id := s.now().UTC(), tenancy.NewID()
	var out FlowSession
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		qs := store.New(q)
		v, err := startableVersion(ctx, qs, m, n.FlowID)
		if err != nil {
			return err
		}
		if err := insertSession(ctx, q, m, id, now, v, n, prepare, sessionLink{}); err != nil {
			return err
		}
		row, err := qs.GetSession(ctx, store.GetSessionParams{TenantID: m.tenant, ID: id, Me: m.user})
		if err != nil {
			return err
		}
		st, err := decodeSession(row)
		if err != nil {
			return err
		}
		out = st.view()
		if out.Status == StatusCompleted { // the start node is a resolution
			out.CSATToken, err = issueSurvey(ctx, qs, m.tenant, id, now)
		}
		return err
	})
	if err != nil {
		return FlowSession{}, fmt.Errorf("flows: %s: %w", op, err)
	}
	return out, nil
}

// sessionLink ties a session to the batch it was launched in: the batch, the target and the
// schedule that fired it (all empty for a session made on its own).
type sessionLink struct {
	batch, schedule uuid.NullUUID
	target          *string
}

// insertSession writes a new session of m's on version v in q's transaction, counts the flow's use
// and audits it: the one path of CreateSession, PrepareSession and every session of a batch.
func insertSession(ctx context.Context, q postgres.Querier, m member, id uuid.UUID, now time.Time, v startable, n NewSession,
	prepare bool, link sessionLink) error {
	qs := store.New(q)
	p := store.InsertSessionParams{TenantID: m.tenant, ID: id, UserID: m.user, FlowID: uuid.NullUUID{UUID: n.FlowID, Valid: true},
		FlowVersion: &v.version, Snapshot: v.snapshot, TicketNumber: n.TicketNumber, ClientName: n.ClientName,
		BatchID: link.batch, TargetLabel: link.target, ScheduleID: link.schedule, Now: now}
	if err := initialRun(ctx, qs, m, &p, v.graph, n, prepare); err != nil {
		return err
	}
	if err := qs.InsertSession(ctx, p); err != nil {
		return notFound(err)
	}
	if err := qs.CountFlowUse(ctx, store.CountFlowUseParams{TenantID: m.tenant, ID: n.FlowID}); err != nil {
		return err
	}
	action := map[bool]string{false: "session.create", true: "session.prepare"}[prepare]
	details := map[string]any{"flow_id": n.FlowID.String(), "flow_version": v.version, "status": p.Status}
	if p.AssignedTo.Valid {
		details["assigned_to"] = p.AssignedTo.UUID.String()
	}
	if link.batch.Valid {
		details["batch_id"] = link.batch.UUID.String()
	}
	return auditSession(ctx, q, action, id, details)
}

// initialRun fills the new session's status, run and variables: started now, or prepared (the
// variables checked, the assignee a member of the tenant).
func initialRun(ctx context.Context, qs *store.Queries, m member, p *store.InsertSessionParams, g graph.Graph, n NewSession, prepare bool) error {
	var run graph.Run
	var err error
	if prepare {
		p.Status = StatusPrepared
		run, err = graph.SetVariables(g, graph.Run{}, n.Variables)
		if err == nil && n.AssignedTo != nil {
			err = checkAssignee(ctx, qs, m, *n.AssignedTo)
			p.AssignedTo = uuid.NullUUID{UUID: *n.AssignedTo, Valid: true}
		}
	} else {
		p.Status, p.StartedAt = StatusActive, &p.Now
		run, err = graph.Start(g, n.Variables)
	}
	if err != nil {
		return runInvalid(err, "body.")
	}
	if run.Done { // the start node is a resolution
		o := string(run.Outcome)
		p.Status, p.Outcome, p.CompletedAt = StatusCompleted, &o, &p.Now
	}
	st := sessionState{run: run}
	if p.Run, err = json.Marshal(st.runDoc()); err != nil {
		return err
	}
	p.Variables, err = json.Marshal(nonNilMap(run.Variables))
	return err
}

// checkAssignee fails with errs.ErrNotFound unless user is a member of the caller's tenant.
func checkAssignee(ctx context.Context, qs *store.Queries, m member, user uuid.UUID) error {
	ok, err := qs.IsTenantMember(ctx, store.IsTenantMemberParams{TenantID: m.tenant, UserID: user})
	if err == nil && !ok {
		err = errs.ErrNotFound
	}
	return err
}

// startable is a flow's current published version, ready to be a session's snapshot.
type startable struct {
	version  int32
	snapshot []byte
	graph    graph.Graph
}

// startableVersion reads the current published version of a flow the caller can see.
func startableVersion(ctx context.Context, qs *store.Queries, m member, flowID uuid.UUID) (startable, error) {
	r, err := qs.GetStartableFlow(ctx, store.GetStartableFlowParams{TenantID: m.tenant, FlowID: flowID, Me: m.user})
	if err != nil {
		return startable{}, notFound(err)
	}
	if r.CurrentVersion == nil || r.VersionGraph == nil {
		return startable{}, errs.Invalidf("body.flow_id", "the flow has no published version")
	}
	out := startable{version: *r.CurrentVersion}
	doc := map[string]json.RawMessage{}
	if err := json.Unmarshal(r.VersionGraph, &doc); err != nil {
		return startable{}, fmt.Errorf("decode version graph: %w", err)
	}
	if err := json.Unmarshal(r.VersionGraph, &out.graph); err != nil {
		return startable{}, fmt.Errorf("decode version graph: %w", err)
	}
	for key, value := range map[string]*string{"title": r.VersionTitle, "description": r.VersionDescription, "kind": r.VersionKind} {
		if value != nil {
			raw, _ := json.Marshal(*value)
			doc[key] = raw
		}
	}
	out.snapshot, err = json.Marshal(doc)
	return out, err
}

// StartSession starts a prepared session of the caller (its owner or its assignee): the run begins
// with the session's variables, checked again against the snapshot. A session that is not
// prepared is a Conflict.
func (s *Service) StartSession(ctx context.Context, id uuid.UUID) (FlowSession, error) {
	return s.changeSession(ctx, "start session", id, func(ctx context.Context, q postgres.Querier, st *sessionState, now time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		if st.row.Status != StatusPrepared {
			return errs.E(errs.Conflict, "the session has already been started")
		}
		run, err := graph.Start(st.graph, st.run.Variables)
		if err != nil {
			return runInvalid(err, "")
		}
		st.run, st.row.Status, st.row.StartedAt = run, StatusActive, &now
		st.settle(now)
		return auditSession(ctx, q, "session.start", st.row.ID, nil)
	})
}

// settle completes an active session whose run has reached a resolution node, with its outcome,
// and reports whether it did.
func (st *sessionState) settle(now time.Time) bool {
	if st.run.Done && st.row.Status == StatusActive {
		st.complete(st.run.Outcome, now)
		return true
	}
	return false
}

// runDoc returns the run column's document.
func (st *sessionState) runDoc() runDoc {
	return runDoc{Current: st.run.Current, Path: st.run.Path, Decisions: st.run.Decisions, Outcome: st.run.Outcome, Done: st.run.Done}
}
