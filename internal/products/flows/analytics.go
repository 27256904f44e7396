package flows

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// DefaultAnalyticsWindow is the time range of flow analytics when none is given: the last 30 days.
const DefaultAnalyticsWindow = 30 * 24 * time.Hour

// maxNodeRows is how many exit or drop-off nodes the analytics list, most frequent first.
const maxNodeRows = 50

// FlowAnalytics are the figures of one flow's sessions that started in [From, To).
type FlowAnalytics struct {
	FlowID    uuid.UUID `json:"flow_id"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Started   int64     `json:"started" doc:"Sessions that started in the range"`
	Completed int64     `json:"completed" doc:"Of those, the completed ones"`
	Abandoned int64     `json:"abandoned" doc:"Of those, the abandoned ones"`
	// CompletionRate is Completed / Started, 0 when no session started.
	CompletionRate float64 `json:"completion_rate" minimum:"0" maximum:"1"`
	// MedianDurationSeconds is the median time from start to completion of the completed sessions;
	// absent when none completed.
	MedianDurationSeconds *float64       `json:"median_duration_seconds,omitempty"`
	Outcomes              []OutcomeCount `json:"outcomes" doc:"Completed sessions by outcome (none: completed without one)"`
	ExitNodes             []NodeCount    `json:"exit_nodes" doc:"Where completed sessions ended, most frequent first (at most 50)"`
	DropOffNodes          []NodeCount    `json:"drop_off_nodes" doc:"Where abandoned sessions stopped, most frequent first (at most 50)"`
	// CSATResponses is how many of those sessions' satisfaction surveys were answered, and
	// CSATAverage their average score (1 to 5); absent when none was answered.
	CSATResponses int64    `json:"csat_responses" doc:"Answered satisfaction surveys of the sessions"`
	CSATAverage   *float64 `json:"csat_average,omitempty" minimum:"1" maximum:"5" doc:"Their average score; absent when none"`
}

// OutcomeCount is the number of completed sessions with one outcome.
type OutcomeCount struct {
	Outcome  string `json:"outcome" enum:"resolved,escalated,unresolved,none"`
	Sessions int64  `json:"sessions"`
}

// NodeCount is the number of sessions that stopped at one node of the flow.
type NodeCount struct {
	NodeID   string `json:"node_id"`
	Sessions int64  `json:"sessions"`
}

// FlowAnalytics returns the figures of a flow's sessions that started in [from, to); a zero from
// or to means DefaultAnalyticsWindow before to, or now. The flow must be one the caller can see: a
// live flow of the tenant that is account-wide, the caller's own, or shared with one of the
// caller's teams; any other (another tenant's, a private one of a colleague, a deleted one) is
// NotFound like a random id. Only this flow's sessions count. A range whose end is not after its
// start is Invalid.
func (s *Service) FlowAnalytics(ctx context.Context, flowID uuid.UUID, from, to time.Time) (FlowAnalytics, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return FlowAnalytics{}, err
	}
	if to.IsZero() {
		to = s.now()
	}
	if from.IsZero() {
		from = to.Add(-DefaultAnalyticsWindow)
	}
	if !to.After(from) {
		return FlowAnalytics{}, errs.Invalidf("query.to", "must be after from")
	}
	out := FlowAnalytics{FlowID: flowID, From: from, To: to}
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		_, err := st.VisibleFlow(ctx, store.VisibleFlowParams{TenantID: sc.Tenant.UUID(), ID: flowID, UserID: sc.Principal.UserID.UUID()})
		if postgres.IsNoRows(err) {
			return errs.ErrNotFound
		} else if err != nil {
			return err
		}
		return flowFigures(ctx, st, sc.Tenant.UUID(), &out)
	})
	if err != nil {
		return FlowAnalytics{}, fmt.Errorf("flows: analytics: %w", err)
	}
	return out, nil
}

// flowFigures fills out's figures, all computed in SQL over the flow's sessions in the range.
func flowFigures(ctx context.Context, st *store.Queries, tenant uuid.UUID, out *FlowAnalytics) error {
	stats, err := st.FlowSessionStats(ctx, store.FlowSessionStatsParams{TenantID: tenant, FlowID: out.FlowID, Since: out.From, Until: out.To})
	if err != nil {
		return err
	}
	out.Started, out.Completed, out.Abandoned = stats.Started, stats.Completed, stats.Abandoned
	if stats.Started > 0 {
		out.CompletionRate = float64(stats.Completed) / float64(stats.Started)
	}
	if stats.Completed > 0 {
		median := stats.MedianSeconds
		out.MedianDurationSeconds = &median
	}
	if err := flowCSAT(ctx, st, tenant, out); err != nil {
		return err
	}
	outcomes, err := st.FlowOutcomes(ctx, store.FlowOutcomesParams{TenantID: tenant, FlowID: out.FlowID, Since: out.From, Until: out.To})
	if err != nil {
		return err
	}
	out.Outcomes = make([]OutcomeCount, len(outcomes))
	for i, o := range outcomes {
		out.Outcomes[i] = OutcomeCount(o)
	}
	if out.ExitNodes, err = endNodes(ctx, st, tenant, out, "completed"); err != nil {
		return err
	}
	out.DropOffNodes, err = endNodes(ctx, st, tenant, out, "abandoned")
	return err
}

// endNodes returns the nodes where the flow's sessions of one status stopped.
func endNodes(ctx context.Context, st *store.Queries, tenant uuid.UUID, a *FlowAnalytics, status string) ([]NodeCount, error) {
	rows, err := st.FlowEndNodes(ctx, store.FlowEndNodesParams{TenantID: tenant, FlowID: a.FlowID, Status: status,
		Since: a.From, Until: a.To, Lim: maxNodeRows})
	if err != nil {
		return nil, err
	}
	out := make([]NodeCount, len(rows))
	for i, r := range rows {
		out[i] = NodeCount(r)
	}
	return out, nil
}
