package graph

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Problem is one thing wrong with a graph or a set of variables.
type Problem struct {
	NodeID  string `json:"node_id,omitempty"` // the node concerned; empty for the graph or a variable
	Field   string `json:"field"`             // the path of the offending value, e.g. "nodes[3].options[1].next"
	Message string `json:"message"`           // safe to show to the author
}

// ValidationError lists every problem Validate or CheckVariables found, in a stable order: for a
// graph, id and start problems, then each node's own problems by position, then variable,
// reachability and logic-loop problems; for variables, by name.
type ValidationError struct {
	Problems []Problem `json:"problems"`
}

// Error returns the number of problems and the first few.
func (e *ValidationError) Error() string {
	const shown = 3
	var b strings.Builder
	fmt.Fprintf(&b, "graph: %d problem(s)", len(e.Problems))
	for i, p := range e.Problems {
		if i == shown {
			b.WriteString("; ...")
			break
		}
		fmt.Fprintf(&b, "; %s: %s", p.Field, p.Message)
	}
	return b.String()
}

// StepError is a move the run's current state does not allow: an unknown option, a required
// input field without a value, nothing to undo, a finished run. Field names what the caller
// sent or lacks ("option_id", "note", "variables.office_version") or "run" for the state itself.
type StepError struct {
	Field   string `json:"field"`
	Message string `json:"message"` // safe to show to the technician
}

// Error returns the field and the message.
func (e *StepError) Error() string { return "graph: " + e.Field + ": " + e.Message }

// CycleError reports flows that open each other through subflow nodes. Path starts and ends
// with the same flow: A → B → A.
type CycleError struct {
	Path []uuid.UUID `json:"path"`
}

// Error names the flows of the cycle in order.
func (e *CycleError) Error() string {
	ids := make([]string, len(e.Path))
	for i, id := range e.Path {
		ids[i] = id.String()
	}
	return "graph: sub-flow cycle: " + strings.Join(ids, " → ")
}

// problems collects Problems; err returns nil when there are none.
type problems []Problem

func (ps *problems) add(nodeID, field, format string, args ...any) {
	*ps = append(*ps, Problem{NodeID: nodeID, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// quote returns s in Go double quotes, for messages.
func quote(s string) string { return strconv.Quote(s) }
