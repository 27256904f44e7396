package demo

import (
	"slices"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

// TestFlowsValidate checks each demo flow: a valid graph (what publication requires), with
// questions, instructions and a resolution of each outcome; and a logic node on an input variable
// in at least one of them.
func TestFlowsValidate(t *testing.T) {
	t.Parallel()
	flows, err := Flows()
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 3 {
		t.Fatalf("%d demo flows, want 3", len(flows))
	}
	logicOnInput := 0
	for _, f := range flows {
		if err := graph.Validate(f.Graph); err != nil {
			t.Errorf("%s: %v", f.Title, err)
		}
		types, outcomes := map[graph.NodeType]int{}, map[graph.Outcome]bool{}
		defs := graph.Definitions(f.Graph)
		for _, n := range f.Graph.Nodes {
			types[n.Type]++
			outcomes[n.Outcome] = true
			for _, r := range n.Rules {
				if _, ok := defs[r.Variable]; ok {
					logicOnInput++
				}
			}
		}
		if types[graph.TypeQuestion] == 0 || types[graph.TypeInstruction] == 0 {
			t.Errorf("%s: node types %v: want questions and instructions", f.Title, types)
		}
		for _, o := range []graph.Outcome{graph.OutcomeResolved, graph.OutcomeEscalated, graph.OutcomeUnresolved} {
			if !outcomes[o] {
				t.Errorf("%s: no %s resolution", f.Title, o)
			}
		}
		if !slices.Contains([]string{"troubleshooting", "procedural"}, f.Kind) || f.Description == "" || f.Category == "" {
			t.Errorf("%s: kind %q, description %q, category %q", f.Title, f.Kind, f.Description, f.Category)
		}
	}
	if logicOnInput == 0 {
		t.Error("no logic rule on an input variable")
	}
}

// TestDemoSessionRuns walks the demo session's steps through the run engine: every step is legal
// where it is taken, none comes after the end, and the run ends at a resolution with the
// session's outcome; the session has a ticket, a client, notes and a custom step.
func TestDemoSessionRuns(t *testing.T) {
	t.Parallel()
	flows, err := Flows()
	if err != nil {
		t.Fatal(err)
	}
	s := DemoSession()
	i := slices.IndexFunc(flows, func(f Flow) bool { return f.Title == s.Flow })
	if i < 0 {
		t.Fatalf("no demo flow %q", s.Flow)
	}
	g := flows[i].Graph
	run, err := graph.Start(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	customs, notes := 0, 0
	for k, step := range s.Steps {
		if run.Done {
			t.Fatalf("step %d: the run ended at %s already", k, run.Current)
		}
		if step.Variables != nil {
			if run, err = graph.SetVariables(g, run, step.Variables); err != nil {
				t.Fatalf("step %d at %s: %v", k, run.Current, err)
			}
		}
		if step.Custom != nil {
			customs++
		}
		if step.Note != "" {
			notes++
		}
		if run, err = graph.Decide(g, run, step.Option, step.Note, time.Now()); err != nil {
			t.Fatalf("step %d: %s at %s: %v", k, step.Option, run.Current, err)
		}
	}
	if !run.Done || run.Outcome != s.Outcome {
		t.Errorf("the session ends at %s (done %v, outcome %q), want outcome %q", run.Current, run.Done, run.Outcome, s.Outcome)
	}
	if customs == 0 || notes < 2 || s.TicketNumber == "" || s.ClientName == "" {
		t.Errorf("%d custom steps, %d notes, ticket %q, client %q: want a custom step, notes, a ticket and a client",
			customs, notes, s.TicketNumber, s.ClientName)
	}
}
