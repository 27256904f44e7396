package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// pendingAnalyses is the flywheel's sweep (Pattern A of shared/reference/flows-upstream.md §1.4):
// it reads (tenant_id, id) of pending analyses only; each analysis is then processed in its own
// tenant's scope, the tenant threaded through every query.
var pendingAnalyses = postgres.Register(postgres.CrossTenant{
	Name: "flows.pending_session_analyses",
	Why:  "the knowledge flywheel finds the pending analyses of resolved AI sessions of every tenant; each is analysed in its own tenant's transaction",
	SQL: `SELECT tenant_id, id FROM session_analyses
WHERE status = 'pending'
ORDER BY created_at LIMIT 1000`,
	Reads: map[string][]string{"session_analyses": {"tenant_id", "id", "status", "created_at"}},
})

// FlywheelSweepArgs starts the periodic knowledge flywheel sweep.
type FlywheelSweepArgs struct{}

// Kind names the job.
func (FlywheelSweepArgs) Kind() string { return "flows.flywheel_sweep" }

// FlywheelArgs analyses pending analyses of one tenant. Slot is the sweep's minute (Unix seconds).
type FlywheelArgs struct {
	jobs.TenantArgs
	IDs  []uuid.UUID `json:"ids"`
	Slot int64       `json:"slot"`
}

// Kind names the job.
func (FlywheelArgs) Kind() string { return "flows.flywheel" }

// flywheelJobs registers the knowledge flywheel's jobs.
func (s *Service) flywheelJobs(r *jobs.Registry, every time.Duration) {
	jobs.Add(r, s.sweepFlywheel)
	jobs.AddTenant(r, func(ctx context.Context, a FlywheelArgs) error {
		_, err := s.AnalyzeSessions(ctx, a.IDs)
		return err
	})
	r.Every(every, FlywheelSweepArgs{})
}

// sweepFlywheel inserts one flywheel job per tenant with pending analyses.
func (s *Service) sweepFlywheel(ctx context.Context, _ FlywheelSweepArgs) error {
	due, err := s.PendingAnalyses(ctx)
	if err != nil {
		return fmt.Errorf("flows: flywheel sweep: %w", err)
	}
	slot := s.now().Truncate(time.Minute).Unix()
	todo := make([]jobs.TenantJob, 0, len(due))
	for _, t := range slices.SortedFunc(maps.Keys(due), func(a, b tenancy.TenantID) int { return strings.Compare(a.String(), b.String()) }) {
		todo = append(todo, FlywheelArgs{TenantArgs: jobs.For(t), IDs: due[t], Slot: slot})
	}
	return jobs.InsertMany(ctx, todo)
}

// PendingAnalyses lists, across tenants, the pending analyses of resolved AI sessions (at most
// 1000), by tenant.
func (s *Service) PendingAnalyses(ctx context.Context) (map[tenancy.TenantID][]uuid.UUID, error) {
	rows, err := s.db.CrossTenantQuery(ctx, pendingAnalyses)
	if err != nil {
		return nil, fmt.Errorf("flows: pending analyses: %w", err)
	}
	defer rows.Close()
	out := map[tenancy.TenantID][]uuid.UUID{}
	for rows.Next() {
		var tenant, id uuid.UUID
		if err := rows.Scan(&tenant, &id); err != nil {
			return nil, fmt.Errorf("flows: pending analyses: %w", err)
		}
		out[tenancy.TenantID(tenant)] = append(out[tenancy.TenantID(tenant)], id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("flows: pending analyses: %w", err)
	}
	return out, nil
}

// queueAnalysis queues the knowledge flywheel's analysis of a session resolved in q's
// transaction (once per session).
func (s *Service) queueAnalysis(ctx context.Context, q postgres.Querier, tenant, session uuid.UUID) error {
	return store.New(q).InsertSessionAnalysis(ctx, store.InsertSessionAnalysisParams{TenantID: tenant, ID: tenancy.NewID(), AiSessionID: session})
}

// AnalyzeSessions turns the given pending analyses of the tenant in the scope into flow proposals,
// each in its own transaction: the analysis is locked (a done one, or one another worker holds, is
// skipped), the proposal inserted (unique per analysis) and the analysis marked done, with an
// audit row (flow_proposal.create). It returns how many proposals it made. A run after a crash
// makes no second proposal for an analysis.
func (s *Service) AnalyzeSessions(ctx context.Context, ids []uuid.UUID) (int, error) {
	tenant, err := jobTenant(ctx)
	if err != nil {
		return 0, fail("analyze sessions", err)
	}
	n := 0
	for i, id := range ids {
		err := s.db.Tx(ctx, func(q postgres.Querier) error {
			made, err := s.analyze(ctx, q, tenant, id)
			if err != nil || !made {
				return err
			}
			n++
			s.afterAIWrite("flywheel", i)
			return nil
		})
		if err != nil {
			return n, fail("analyze sessions", err)
		}
	}
	return n, nil
}

// analyze makes the proposal of one analysis in q's transaction; false when there was nothing to do.
func (s *Service) analyze(ctx context.Context, q postgres.Querier, tenant, id uuid.UUID) (bool, error) {
	st := store.New(q)
	a, err := st.LockPendingAnalysis(ctx, store.LockPendingAnalysisParams{TenantID: tenant, ID: id})
	if postgres.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	sess, err := st.AnalysisSession(ctx, store.AnalysisSessionParams{TenantID: tenant, ID: a.AiSessionID})
	if err != nil {
		return false, err
	}
	steps, err := st.AnalysisMessages(ctx, store.AnalysisMessagesParams{TenantID: tenant, SessionID: sess.ID})
	if err != nil {
		return false, err
	}
	p, err := proposalFor(ctx, st, tenant, sess, steps)
	if err != nil {
		return false, err
	}
	pid := tenancy.NewID()
	p.TenantID, p.ID = tenant, pid
	p.AnalysisID, p.SourceAiSessionID = uuid.NullUUID{UUID: id, Valid: true}, uuid.NullUUID{UUID: sess.ID, Valid: true}
	made, err := st.InsertProposal(ctx, p)
	if err != nil {
		return false, err
	}
	if err := st.FinishAnalysis(ctx, store.FinishAnalysisParams{Now: s.now().UTC(), TenantID: tenant, ID: id}); err != nil {
		return false, err
	}
	if made == 0 {
		return false, nil
	}
	return true, record(ctx, q, "flow_proposal.create", "flow_proposal", pid, map[string]any{"kind": p.Kind,
		"analysis_id": id.String(), "ai_session_id": sess.ID.String()})
}

// proposalFor drafts the proposal of a resolved session: an enhancement of the tenant's published
// flow that best matches its problem (the flow's published graph with a new first question that
// leads to the session's resolution), or else a new flow of its own. Either graph passes
// graph.Validate; an enhancement that would not becomes a new flow.
func proposalFor(ctx context.Context, st *store.Queries, tenant uuid.UUID, sess store.AnalysisSessionRow, steps []string) (store.InsertProposalParams, error) {
	fix := strings.TrimSpace(sess.ResolutionNote)
	if fix == "" && len(steps) > 0 {
		fix = steps[len(steps)-1]
	}
	if fix == "" {
		fix = "Apply the fix found in the AI session"
	}
	evidence := map[string]any{"ai_session_id": sess.ID.String(), "messages": sess.MessageCount, "steps": steps,
		"resolution_note": sess.ResolutionNote}
	rationale := clip(fmt.Sprintf("A resolved AI session: %s. Resolution: %s", oneLine(sess.ProblemSummary), oneLine(fix)), 5000)
	title := clip(oneLine(sess.ProblemSummary), 200)
	p := store.InsertProposalParams{Kind: "new_flow", Title: title, Rationale: rationale}
	g := newFlowGraph(sess.ProblemSummary, fix, steps)
	if words := searchWords(sess.ProblemSummary); words != "" {
		m, err := st.FlywheelMatchingFlow(ctx, store.FlywheelMatchingFlowParams{TenantID: tenant, Words: words})
		switch {
		case postgres.IsNoRows(err):
		case err != nil:
			return p, err
		default:
			if base, err := decodeGraph(m.Graph); err == nil {
				if eg, ok := enhancedGraph(base, sess.ProblemSummary, fix); ok {
					g, p.Kind, p.Title = eg, "enhancement", clip(m.Title, 200)
					p.TargetFlowID = uuid.NullUUID{UUID: m.ID, Valid: true}
					evidence["matched_flow_id"] = m.ID.String()
				}
			}
		}
	}
	var err error
	if p.ProposedGraph, err = encodeGraph(g); err != nil {
		return p, err
	}
	p.Evidence, err = json.Marshal(evidence)
	return p, err
}

// newFlowGraph is a new flow from a resolved session: "is this the problem?" → the steps tried →
// the fix → resolved; "no" → escalate.
func newFlowGraph(problem, fix string, steps []string) graph.Graph {
	nodes := []graph.Node{{ID: "ai_check", Type: graph.TypeQuestion, Start: true, Title: clip("Is this the problem: "+oneLine(problem), graph.MaxTitleLen),
		Options: []graph.Option{{ID: "yes", Label: "Yes", Next: "ai_fix"}, {ID: "no", Label: "No", Next: "ai_escalate"}}}}
	if len(steps) > 0 {
		var b strings.Builder
		for i, s := range steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, clip(oneLine(s), 500))
		}
		nodes[0].Body = clip("Steps taken in the AI session:\n"+b.String(), graph.MaxBodyLen)
	}
	return graph.Graph{Nodes: append(nodes,
		graph.Node{ID: "ai_fix", Type: graph.TypeInstruction, Title: clip(oneLine(fix), graph.MaxTitleLen), Body: clip(fix, graph.MaxBodyLen), Next: "ai_resolved"},
		graph.Node{ID: "ai_resolved", Type: graph.TypeResolution, Title: "Resolved", Outcome: graph.OutcomeResolved},
		graph.Node{ID: "ai_escalate", Type: graph.TypeResolution, Title: "Escalate", Outcome: graph.OutcomeEscalated},
	)}
}

// enhancedGraph adds a resolved session's fix in front of a published graph: a new start question
// ("does it look like …?") whose yes leads to the fix and no to the graph's former start. It
// reports false when the result would not pass graph.Validate.
func enhancedGraph(base graph.Graph, problem, fix string) (graph.Graph, bool) {
	start := ""
	used := map[string]bool{}
	nodes := make([]graph.Node, 0, len(base.Nodes)+3)
	for _, n := range base.Nodes {
		used[n.ID] = true
		if n.Start {
			start = n.ID
			n.Start = false
		}
		nodes = append(nodes, n)
	}
	if start == "" {
		return base, false
	}
	id := func(name string) string {
		for i := 0; ; i++ {
			c := name
			if i > 0 {
				c = fmt.Sprintf("%s_%d", name, i)
			}
			if !used[c] {
				used[c] = true
				return c
			}
		}
	}
	check, fixID, done := id("ai_check"), id("ai_fix"), id("ai_resolved")
	nodes = append([]graph.Node{{ID: check, Type: graph.TypeQuestion, Start: true,
		Title:   clip("Does it look like: "+oneLine(problem), graph.MaxTitleLen),
		Options: []graph.Option{{ID: "yes", Label: "Yes", Next: fixID}, {ID: "no", Label: "No", Next: start}}}}, nodes...)
	nodes = append(nodes,
		graph.Node{ID: fixID, Type: graph.TypeInstruction, Title: clip(oneLine(fix), graph.MaxTitleLen), Body: clip(fix, graph.MaxBodyLen), Next: done},
		graph.Node{ID: done, Type: graph.TypeResolution, Title: "Resolved", Outcome: graph.OutcomeResolved})
	g := graph.Graph{Nodes: nodes}
	return g, graph.Validate(g) == nil
}
