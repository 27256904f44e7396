package graph

import (
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"
)

// ContinueOption is the option id that moves on from a node with a single next edge: an
// instruction, input, subflow or link node.
const ContinueOption = "next"

// ContinueLabel is the label recorded for a ContinueOption decision.
const ContinueLabel = "Continue"

// Run is the state of one walk through a graph snapshot. Current is never a logic node.
type Run struct {
	Current   string         `json:"current"`   // the node the technician is at
	Path      []string       `json:"path"`      // every node entered, in order, logic nodes and Current included
	Decisions []Decision     `json:"decisions"` // one per move made with Decide
	Variables map[string]any `json:"variables"` // values of the variables the input nodes define
	Outcome   Outcome        `json:"outcome,omitempty"`
	Done      bool           `json:"done"` // Current is a resolution node; Outcome is its outcome
}

// Decision is one move of a run: the option taken at a node, with the technician's note.
type Decision struct {
	NodeID   string    `json:"node_id"`
	OptionID string    `json:"option_id"` // an option id, or ContinueOption
	Label    string    `json:"label"`     // the option's label at the time, or ContinueLabel
	Note     string    `json:"note,omitempty"`
	At       time.Time `json:"at"`
}

// clone returns a deep copy of the run, so that a move never writes into its caller's slices.
func (r Run) clone() Run {
	out := r
	out.Path = slices.Clone(r.Path)
	out.Decisions = slices.Clone(r.Decisions)
	out.Variables = maps.Clone(r.Variables)
	if out.Variables == nil {
		out.Variables = make(map[string]any)
	}
	return out
}

// Start begins a run at the graph's start node with the given variables (checked with
// CheckVariables against Definitions(g), nil values dropped), passing through logic nodes. It
// returns a *ValidationError for bad variables, or a *StepError when the graph has no single
// start node or its logic cannot be followed (an unknown target, a loop of logic nodes). The
// graph should have passed Validate; the engine checks only what it walks through.
func Start(g Graph, vars map[string]any) (Run, error) {
	if err := CheckVariables(Definitions(g), vars); err != nil {
		return Run{}, err
	}
	start := ""
	for _, n := range g.Nodes {
		if n.Start {
			if start != "" {
				return Run{}, &StepError{Field: "run", Message: "the flow has several start nodes"}
			}
			start = n.ID
		}
	}
	if start == "" {
		return Run{}, &StepError{Field: "run", Message: "the flow has no start node"}
	}
	run := Run{Path: []string{}, Decisions: []Decision{}, Variables: make(map[string]any)}
	for name, v := range vars {
		if v != nil {
			run.Variables[name] = normalize(v)
		}
	}
	if err := enter(index(g), &run, start); err != nil {
		return Run{}, err
	}
	return run, nil
}

// index maps node ids to nodes; of duplicate ids (an invalid graph) the first wins.
func index(g Graph) map[string]*Node {
	idx := make(map[string]*Node, len(g.Nodes))
	for i := range g.Nodes {
		if _, dup := idx[g.Nodes[i].ID]; !dup {
			idx[g.Nodes[i].ID] = &g.Nodes[i]
		}
	}
	return idx
}

// enter moves run to node id and on through logic nodes, appending each node to the path, until
// it reaches a node that needs the technician. Variables do not change while it passes logic
// nodes, so entering the same logic node twice would loop forever: that is a *StepError.
func enter(idx map[string]*Node, run *Run, id string) error {
	seen := make(map[string]bool)
	for {
		n, ok := idx[id]
		if !ok {
			return &StepError{Field: "run", Message: "the flow points at an unknown node " + quote(id)}
		}
		run.Path = append(run.Path, id)
		if n.Type != TypeLogic {
			run.Current = id
			if n.Type == TypeResolution {
				run.Outcome, run.Done = n.Outcome, true
			}
			return nil
		}
		if seen[id] {
			return &StepError{Field: "run", Message: "logic nodes loop at " + quote(id)}
		}
		seen[id] = true
		id = choose(*n, run.Variables)
	}
}

// Decide takes option optionID at the run's current node, records the decision with its note and
// time, and moves on through logic nodes; reaching a resolution node sets Outcome and Done. At a
// question node optionID is one of its option ids; at an instruction, input, subflow or link
// node it is ContinueOption. Continuing past an input node needs a value for every required
// field (set with SetVariables first). The run given is not modified. Errors are *StepError.
func Decide(g Graph, run Run, optionID, note string, at time.Time) (Run, error) {
	if run.Done {
		return run, &StepError{Field: "run", Message: "the run is finished"}
	}
	idx := index(g)
	n, ok := idx[run.Current]
	if !ok {
		return run, &StepError{Field: "run", Message: "the current node " + quote(run.Current) + " is not in the flow"}
	}
	label, next, err := move(*n, optionID, run.Variables)
	if err != nil {
		return run, err
	}
	if utf8.RuneCountInString(note) > MaxNoteLen {
		return run, &StepError{Field: "note", Message: fmt.Sprintf("the note is longer than %d characters", MaxNoteLen)}
	}
	out := run.clone()
	out.Decisions = append(out.Decisions, Decision{NodeID: n.ID, OptionID: optionID, Label: label, Note: note, At: at})
	if err := enter(idx, &out, next); err != nil {
		return run, err
	}
	return out, nil
}

// move returns the label and target of option optionID at node n.
func move(n Node, optionID string, vars map[string]any) (label, next string, err error) {
	switch n.Type {
	case TypeQuestion:
		for _, o := range n.Options {
			if o.ID == optionID {
				return o.Label, o.Next, nil
			}
		}
		return "", "", &StepError{Field: "option_id", Message: "node " + quote(n.ID) + " has no option " + quote(optionID)}
	case TypeInput:
		for _, f := range n.Fields {
			if v, set := vars[f.Name]; f.Required && isEmpty(v, set) {
				return "", "", &StepError{Field: "variables." + f.Name, Message: "a value for " + quote(f.Label) + " is required"}
			}
		}
		fallthrough
	case TypeInstruction, TypeSubflow, TypeLink:
		if optionID != ContinueOption {
			return "", "", &StepError{Field: "option_id", Message: "node " + quote(n.ID) + " takes only option " + quote(ContinueOption)}
		}
		return ContinueLabel, n.Next, nil
	}
	return "", "", &StepError{Field: "run", Message: "no decision can be made at " + string(n.Type) + " node " + quote(n.ID)}
}

// Back undoes the last decision: the run returns to that decision's node, and the nodes entered
// since (the logic nodes passed automatically included) leave the path. Outcome and Done are
// cleared. Variables are the technician's data and stay as they are. The run given is not
// modified. With no decision to undo, or a path that does not match the decisions, it returns a
// *StepError.
func Back(g Graph, run Run) (Run, error) {
	if len(run.Decisions) == 0 {
		return run, &StepError{Field: "run", Message: "there is no decision to undo"}
	}
	idx := index(g)
	last := run.Decisions[len(run.Decisions)-1]
	path := run.Path
	if len(path) > 0 {
		path = path[:len(path)-1] // the current node
	}
	for len(path) > 0 && isLogic(idx, path[len(path)-1]) {
		path = path[:len(path)-1]
	}
	if len(path) == 0 || path[len(path)-1] != last.NodeID {
		return run, &StepError{Field: "run", Message: "the path does not match the decisions"}
	}
	out := run.clone()
	out.Path = out.Path[:len(path)]
	out.Decisions = out.Decisions[:len(out.Decisions)-1]
	out.Current, out.Outcome, out.Done = last.NodeID, "", false
	return out, nil
}

func isLogic(idx map[string]*Node, id string) bool {
	n, ok := idx[id]
	return ok && n.Type == TypeLogic
}
