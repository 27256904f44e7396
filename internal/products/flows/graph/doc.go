// Package graph is the pure core of the flows product: the decision-tree graph a flow version
// stores, its validation, the variables its input nodes define, the engine that walks a session
// over a frozen snapshot of the graph, and the session's documentation exports.
//
// It imports only the standard library and github.com/google/uuid: no database, no HTTP. Every
// value is plain data with snake_case JSON tags, so a Graph is stored as-is in a jsonb column and
// a Run's fields map one to one onto a session row (current node, path_taken, decisions,
// variables, outcome).
//
// # Graph
//
// A Graph is a list of nodes with stable string ids. Exactly one node has start set. Edges are
// node ids held in type-specific fields: a question's options, the next of an instruction, input,
// subflow or link node, a logic node's rules and default. A resolution node ends a run with an
// outcome. Validate reports every problem of a graph at once (a *ValidationError); publishing
// requires a valid graph. A sub-flow cycle spans several flows, so it is checked separately by
// CheckSubflowCycle with the references the caller loads (SubflowRefs of each published graph).
//
// # Variables
//
// Every variable is defined by a field of an input node (Definitions); there is no other source.
// A logic rule on a variable that no input node defines is a validation error, not a warning,
// because such a rule could never see a value. CheckVariables type-checks values against the
// definitions, and SetVariables merges checked values into a run (a nil value unsets a variable).
//
// # Runs
//
// Start, Decide and Back are pure functions from a Run to a new Run: they never modify their
// argument (slices and the variable map are copied), so the caller can compare before and after
// and store the result in one statement. Logic nodes are never the current node: the engine
// passes through them automatically, records them in the path, and stops at the first node that
// needs the technician. A sub-flow node is a step that points at another flow; running that flow
// is the caller's business, and continuing past it takes its next edge like an instruction.
//
// # Errors
//
// Two error types, both client errors (the HTTP layer maps both to 422):
//   - *ValidationError: the data is wrong; it lists every Problem with a field path such as
//     "nodes[3].options[1].next" or "variables.office_version". Returned by Validate,
//     CheckVariables, SetVariables and Start (for its variables).
//   - *StepError: one move is not possible in the run's current state (unknown option, missing
//     required input, nothing to undo, a run that is finished). Returned by Start, Decide and Back.
//
// CheckSubflowCycle returns a *CycleError naming the cycle, or the error its callback returned.
//
// # Exports
//
// NewRecord turns a graph and a run into a Record; the caller adds the session's title, ticket,
// times, scratchpad and custom steps. Markdown, Text and HTML render a Record. HTML is a complete
// document built with html/template; Markdown escapes every user string so that no user text
// becomes markup, a link or raw HTML. Text is plain text, kept verbatim (commands and paths such
// as C:\Users\<user> must survive), and must be served as text/plain; a consumer that renders
// HTML uses the HTML export.
package graph
