package graph

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// subflowID is the flow the sample's subflow node opens.
var subflowID = uuid.MustParse("6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f")

// sample returns a small valid graph with every node type:
//
//	q (start) --a--> ins --> lnk --> ok
//	          --b--> inp --> lg --(n > 10)--> esc
//	                           --(pick = x)--> ok
//	                           --(default)--> un
//	          --c--> sub --> ok
func sample() Graph {
	return Graph{Nodes: []Node{
		{ID: "q", Type: TypeQuestion, Title: "Which path?", Start: true, Options: []Option{
			{ID: "a", Label: "Instructions", Next: "ins"},
			{ID: "b", Label: "Input", Next: "inp"},
			{ID: "c", Label: "Sub-flow", Next: "sub"},
		}},
		{ID: "ins", Type: TypeInstruction, Title: "Do it", Command: "ipconfig /all", Next: "lnk"},
		{ID: "lnk", Type: TypeLink, Title: "Read it", URL: "https://example.com/kb?id=1", Next: "ok"},
		{ID: "inp", Type: TypeInput, Title: "Tell me", Next: "lg", Fields: []Field{
			{Name: "n", Label: "A number", Type: FieldNumber, Required: true},
			{Name: "s", Label: "A string", Type: FieldString},
			{Name: "flag", Label: "A flag", Type: FieldBoolean},
			{Name: "pick", Label: "A choice", Type: FieldChoice, Choices: []string{"x", "y"}},
		}},
		{ID: "lg", Type: TypeLogic, Title: "Route", Default: "un", Rules: []Rule{
			{Variable: "n", Op: OpGt, Value: 10.0, Next: "esc"},
			{Variable: "pick", Op: OpEq, Value: "x", Next: "ok"},
		}},
		{ID: "sub", Type: TypeSubflow, Title: "Run the other flow", FlowID: subflowID, Next: "ok"},
		{ID: "ok", Type: TypeResolution, Title: "Fixed", Outcome: OutcomeResolved},
		{ID: "esc", Type: TypeResolution, Title: "Escalated", Outcome: OutcomeEscalated},
		{ID: "un", Type: TypeResolution, Title: "Not fixed", Outcome: OutcomeUnresolved},
	}}
}

// node returns the node of g with the given id; the test fails when there is none.
func node(t *testing.T, g *Graph, id string) *Node {
	t.Helper()
	for i := range g.Nodes {
		if g.Nodes[i].ID == id {
			return &g.Nodes[i]
		}
	}
	t.Fatalf("no node %q", id)
	return nil
}

// loadGraph decodes one of the demo flows' graphs (../demo, which `tenantry demo` publishes),
// rejecting unknown fields.
func loadGraph(t *testing.T, name string) Graph {
	t.Helper()
	f, err := os.Open("../demo/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var g Graph
	if err := dec.Decode(&g); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return g
}

// problemsOf returns the problems of a *ValidationError; the test fails for any other error.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	return ve.Problems
}

// hasProblem reports whether ps holds a problem of node nodeID, at field, whose message contains msg.
func hasProblem(ps []Problem, nodeID, field, msg string) bool {
	for _, p := range ps {
		if p.NodeID == nodeID && p.Field == field && strings.Contains(p.Message, msg) {
			return true
		}
	}
	return false
}

// stepError returns err as a *StepError; the test fails for any other error or nil.
func stepError(t *testing.T, err error) *StepError {
	t.Helper()
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *StepError", err, err)
	}
	return se
}
