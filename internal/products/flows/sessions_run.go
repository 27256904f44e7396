package flows

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

// DecideSession takes an option at the session's current node, validated against the session's
// snapshot (an option the node does not have is a 422), with an optional note. At an instruction,
// input, sub-flow or link node the option is graph.ContinueOption. Reaching a resolution node
// completes the session with the node's outcome. The session must be active (409 otherwise).
func (s *Service) DecideSession(ctx context.Context, id uuid.UUID, optionID, note string) (FlowSession, error) {
	return s.changeSession(ctx, "decide", id, func(ctx context.Context, q postgres.Querier, st *sessionState, now time.Time) error {
		if err := st.running(); err != nil {
			return err
		}
		at := st.run.Current
		run, err := graph.Decide(st.graph, st.run, optionID, note, now)
		if err != nil {
			return runInvalid(err, "body.")
		}
		st.run = run
		if err := auditSession(ctx, q, "session.decide", st.row.ID, map[string]any{"node_id": at, "option_id": optionID}); err != nil {
			return err
		}
		if st.settle(now) {
			return auditSession(ctx, q, "session.complete", st.row.ID, map[string]any{"outcome": string(run.Outcome), "by": "resolution"})
		}
		return nil
	})
}

// BackSession undoes the session's last decision (422 when there is none). The session must be
// active.
func (s *Service) BackSession(ctx context.Context, id uuid.UUID) (FlowSession, error) {
	return s.changeSession(ctx, "back", id, func(ctx context.Context, q postgres.Querier, st *sessionState, _ time.Time) error {
		if err := st.running(); err != nil {
			return err
		}
		run, err := graph.Back(st.graph, st.run)
		if err != nil {
			return runInvalid(err, "")
		}
		st.run = run
		return auditSession(ctx, q, "session.back", st.row.ID, nil)
	})
}

// SetSessionVariables merges values into the session's variables, each checked against the
// snapshot's input definitions (422 for an unknown name or a value of the wrong type); a null
// value unsets a variable. Logic nodes already passed are not re-evaluated.
func (s *Service) SetSessionVariables(ctx context.Context, id uuid.UUID, values map[string]any) (FlowSession, error) {
	return s.changeSession(ctx, "set variables", id, func(ctx context.Context, q postgres.Querier, st *sessionState, _ time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		run, err := graph.SetVariables(st.graph, st.run, values)
		if err != nil {
			return valuesInvalid(err)
		}
		st.run.Variables = run.Variables
		return auditSession(ctx, q, "session.variables", st.row.ID, nil)
	})
}

// valuesInvalid is runInvalid for the body of SetSessionVariables, which holds the variables at
// body.values.<name> where the engine names them variables.<name>.
func valuesInvalid(err error) error {
	err = runInvalid(err, "body.")
	var e *errs.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			if name, ok := strings.CutPrefix(e.Fields[i].Location, "body.variables."); ok {
				e.Fields[i].Location = "body.values." + name
			}
		}
	}
	return err
}

// SetScratchpad replaces the session's scratchpad (at most MaxScratchpadBytes).
func (s *Service) SetScratchpad(ctx context.Context, id uuid.UUID, text string) (FlowSession, error) {
	if len(text) > MaxScratchpadBytes {
		return FlowSession{}, errs.Invalidf("body.text", "must be at most %d bytes", MaxScratchpadBytes)
	}
	return s.changeSession(ctx, "set scratchpad", id, func(ctx context.Context, q postgres.Querier, st *sessionState, _ time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		st.row.Scratchpad = text
		return auditSession(ctx, q, "session.scratchpad", st.row.ID, nil)
	})
}

// SessionDetails are the ticket fields of a session; nil leaves a field as it is.
type SessionDetails struct {
	TicketNumber *string
	ClientName   *string
}

// UpdateSessionDetails changes the session's ticket number and client name.
func (s *Service) UpdateSessionDetails(ctx context.Context, id uuid.UUID, d SessionDetails) (FlowSession, error) {
	d = SessionDetails{TicketNumber: trimmedCopy(d.TicketNumber), ClientName: trimmedCopy(d.ClientName)}
	if err := checkTicket(d.TicketNumber, d.ClientName); err != nil {
		return FlowSession{}, err
	}
	return s.changeSession(ctx, "update session", id, func(ctx context.Context, q postgres.Querier, st *sessionState, _ time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		if d.TicketNumber != nil {
			st.row.TicketNumber = *d.TicketNumber
		}
		if d.ClientName != nil {
			st.row.ClientName = *d.ClientName
		}
		return auditSession(ctx, q, "session.update", st.row.ID, nil)
	})
}

// CompleteSession ends an active session with an outcome (resolved, escalated or unresolved),
// wherever its run stands.
func (s *Service) CompleteSession(ctx context.Context, id uuid.UUID, outcome string) (FlowSession, error) {
	switch o := graph.Outcome(outcome); o {
	case graph.OutcomeResolved, graph.OutcomeEscalated, graph.OutcomeUnresolved:
	default:
		return FlowSession{}, errs.Invalidf("body.outcome", "must be resolved, escalated or unresolved")
	}
	return s.changeSession(ctx, "complete session", id, func(ctx context.Context, q postgres.Querier, st *sessionState, now time.Time) error {
		if err := st.running(); err != nil {
			return err
		}
		st.complete(graph.Outcome(outcome), now)
		return auditSession(ctx, q, "session.complete", st.row.ID, map[string]any{"outcome": outcome})
	})
}

// AbandonSession gives up a prepared or active session.
func (s *Service) AbandonSession(ctx context.Context, id uuid.UUID) (FlowSession, error) {
	return s.changeSession(ctx, "abandon session", id, func(ctx context.Context, q postgres.Querier, st *sessionState, now time.Time) error {
		if err := st.writable(); err != nil {
			return err
		}
		st.row.Status, st.row.AbandonedAt = StatusAbandoned, &now
		return auditSession(ctx, q, "session.abandon", st.row.ID, nil)
	})
}

// trimmedCopy returns a copy of *p without surrounding spaces, or nil for nil.
func trimmedCopy(p *string) *string {
	if p == nil {
		return nil
	}
	t := strings.TrimSpace(*p)
	return &t
}
