package graph

import (
	"strconv"

	"github.com/google/uuid"
)

// Limits that Validate, CheckVariables and Decide enforce. Lengths count characters (runes), not bytes.
const (
	MaxNodes     = 2000   // nodes in one graph; chain larger procedures with subflow nodes
	MaxIDLen     = 64     // a node or option id
	MaxTitleLen  = 200    // a node title
	MaxBodyLen   = 20_000 // a node body or instruction command
	MaxLabelLen  = 200    // an option or field label, a choice
	MaxItems     = 100    // options of a question, rules of a logic node, fields of an input, choices of a field
	MaxURLLen    = 2048   // a link node's URL
	MaxStringLen = 2000   // a string variable's value, or a string compared in a rule
	MaxNoteLen   = 20_000 // a decision's note
)

// NodeType is the kind of a node; it decides which fields the node carries.
type NodeType string

// The node types.
const (
	TypeQuestion    NodeType = "question"    // the technician picks one of the options
	TypeInstruction NodeType = "instruction" // something to do, optionally with a command snippet
	TypeLogic       NodeType = "logic"       // branches automatically on variables
	TypeInput       NodeType = "input"       // the technician enters variables
	TypeSubflow     NodeType = "subflow"     // points at another flow
	TypeLink        NodeType = "link"        // an external http(s) page to read
	TypeResolution  NodeType = "resolution"  // ends the run with an outcome
)

// Outcome is how a run ended.
type Outcome string

// The outcomes of a resolution node.
const (
	OutcomeResolved   Outcome = "resolved"
	OutcomeEscalated  Outcome = "escalated"
	OutcomeUnresolved Outcome = "unresolved"
)

// Op is the comparison of a logic rule.
type Op string

// The rule operators. Comparisons are typed: a number compares with a number, a string with a
// string, a boolean with a boolean (eq and ne only). Values of different types never match, so ne
// is not the negation of eq across types. Strings order lexically; contains is a case-insensitive
// substring test on strings. empty holds for an unset variable, null, or a blank string;
// not_empty is its negation. Neither takes a value.
const (
	OpEq       Op = "eq"
	OpNe       Op = "ne"
	OpLt       Op = "lt"
	OpLe       Op = "le"
	OpGt       Op = "gt"
	OpGe       Op = "ge"
	OpContains Op = "contains"
	OpEmpty    Op = "empty"
	OpNotEmpty Op = "not_empty"
)

// FieldType is the type of an input field, and so of the variable it defines.
type FieldType string

// The field types. A number is a JSON number, a boolean a JSON boolean, a string at most
// MaxStringLen characters, a choice one of the field's choices (a string).
const (
	FieldString  FieldType = "string"
	FieldNumber  FieldType = "number"
	FieldBoolean FieldType = "boolean"
	FieldChoice  FieldType = "choice"
)

// Graph is a flow's decision tree: what a flow version stores (jsonb) and a session snapshots.
type Graph struct {
	Nodes []Node `json:"nodes"`
}

// Node is one step of a graph. ID, Type and Title apply to every node; the other fields belong to
// some types only, and Validate reports a field set on a node type it does not belong to:
//
//	question     options
//	instruction  next, command
//	logic        rules, default
//	input        fields, next
//	subflow      flow_id, next
//	link         url, next
//	resolution   outcome
type Node struct {
	ID      string    `json:"id"`              // stable across versions: 1..64 of [A-Za-z0-9_-]
	Type    NodeType  `json:"type"`            // one of the Type constants
	Title   string    `json:"title"`           // the question or step, shown to the technician
	Body    string    `json:"body,omitempty"`  // details (plain text)
	Start   bool      `json:"start,omitempty"` // true on exactly one node
	Options []Option  `json:"options,omitempty"`
	Next    string    `json:"next,omitempty"`
	Command string    `json:"command,omitempty"` // a snippet to copy, on instructions
	Rules   []Rule    `json:"rules,omitempty"`
	Default string    `json:"default,omitempty"` // a logic node's target when no rule matches
	Fields  []Field   `json:"fields,omitempty"`
	FlowID  uuid.UUID `json:"flow_id,omitzero"` // the flow a subflow node opens
	URL     string    `json:"url,omitempty"`
	Outcome Outcome   `json:"outcome,omitempty"` // a resolution node's outcome
}

// Option is one answer of a question node.
type Option struct {
	ID    string `json:"id"` // unique within the node: 1..64 of [A-Za-z0-9_-]
	Label string `json:"label"`
	Next  string `json:"next"`
}

// Rule is one branch of a logic node: when Variable Op Value holds, the run goes to Next. A logic
// node tries its rules in order and takes its default when none holds.
type Rule struct {
	Variable string `json:"variable"`
	Op       Op     `json:"op"`
	Value    any    `json:"value,omitempty"` // a JSON number, string or boolean; absent for empty and not_empty
	Next     string `json:"next"`
}

// Field is one entry of an input node, and the definition of the variable it sets.
type Field struct {
	Name     string    `json:"name"` // the variable name: [a-z][a-z0-9_]{0,63}
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required,omitempty"` // the run cannot continue past the node without it
	Choices  []string  `json:"choices,omitempty"`  // for type choice only
}

// edge is one outgoing reference of a node.
type edge struct {
	field  string // the path below the node, e.g. "options[1].next"
	what   string // how a message names it, e.g. `option "yes"`
	target string
}

// edges returns the outgoing edges a node of its type has, empty targets included.
func edges(n Node) []edge {
	var es []edge
	switch n.Type {
	case TypeQuestion:
		for i, o := range n.Options {
			es = append(es, edge{field: "options[" + strconv.Itoa(i) + "].next", what: "option " + quote(o.ID), target: o.Next})
		}
	case TypeLogic:
		for i, r := range n.Rules {
			es = append(es, edge{field: "rules[" + strconv.Itoa(i) + "].next", what: "the rule on " + quote(r.Variable), target: r.Next})
		}
		es = append(es, edge{field: "default", what: "default", target: n.Default})
	case TypeInstruction, TypeInput, TypeSubflow, TypeLink:
		es = append(es, edge{field: "next", what: "next", target: n.Next})
	}
	return es
}
