package graph

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Validate checks a graph and returns a *ValidationError listing every problem, or nil. Each
// problem names its node and the path of the offending field. It checks:
//   - the size: at least one node, at most MaxNodes (a bigger graph is not checked further);
//   - node ids: 1..64 of [A-Za-z0-9_-], unique; exactly one start node;
//   - per node: a known type, a non-empty title, the length limits, the fields its type requires
//     (options, next, rules and default, fields, flow_id, an http(s) url, an outcome), and no
//     field of another type;
//   - edges: every target is a node of the graph;
//   - variables: every logic rule is on a variable that an input node defines, with a value of
//     that variable's type and an op that suits it; a variable defined twice has one type;
//   - reachability: every node is reachable from the start node, a resolution is reachable, no
//     reachable node is a dead end or a loop without a way to a resolution, and no logic nodes
//     loop among themselves (the engine could never leave them).
//
// Sub-flow cycles span flows and are checked by CheckSubflowCycle.
func Validate(g Graph) error {
	var ps problems
	switch {
	case len(g.Nodes) == 0:
		ps.add("", "nodes", "the flow has no nodes")
		return ps.err()
	case len(g.Nodes) > MaxNodes:
		ps.add("", "nodes", "the flow has %d nodes; at most %d are allowed", len(g.Nodes), MaxNodes)
		return ps.err()
	}
	v := &validator{g: g, defs: Definitions(g), start: -1}
	v.checkIDs()
	v.checkStart()
	for i := range g.Nodes {
		v.checkNode(i)
	}
	v.checkDefinitions()
	v.checkReach()
	v.checkLogicLoops()
	return v.ps.err()
}

// validator holds what the checks of one Validate call share.
type validator struct {
	g      Graph
	defs   map[string]Field
	ids    map[string]int // valid node id → position of the node
	badID  map[int]bool   // nodes whose id is invalid or a duplicate
	broken map[int]bool   // nodes with an edge to no node
	adj    [][]int        // resolved edges by node position
	start  int            // position of the (first) start node, or -1
	ps     problems
}

// at returns the field path of node i, with an optional sub-path.
func at(i int, sub string) string {
	if sub == "" {
		return fmt.Sprintf("nodes[%d]", i)
	}
	return fmt.Sprintf("nodes[%d].%s", i, sub)
}

func (v *validator) checkIDs() {
	v.ids, v.badID = make(map[string]int), make(map[int]bool)
	for i, n := range v.g.Nodes {
		if !idPattern.MatchString(n.ID) {
			v.ps.add(n.ID, at(i, "id"), "must be 1 to %d letters, digits, '_' or '-'", MaxIDLen)
			v.badID[i] = true
		} else if j, dup := v.ids[n.ID]; dup {
			v.ps.add(n.ID, at(i, "id"), "duplicate node id %s (also %s)", quote(n.ID), at(j, ""))
			v.badID[i] = true
		} else {
			v.ids[n.ID] = i
		}
	}
}

func (v *validator) checkStart() {
	for i, n := range v.g.Nodes {
		switch {
		case !n.Start:
		case v.start < 0:
			v.start = i
		default:
			v.ps.add(n.ID, at(i, "start"), "several start nodes: %s is already the start", quote(v.g.Nodes[v.start].ID))
		}
	}
	if v.start < 0 {
		v.ps.add("", "nodes", "no start node: mark exactly one node with start")
	}
}

// checkNode runs the checks of one node: common fields, stray fields, type-specific fields, edges.
func (v *validator) checkNode(i int) {
	n := v.g.Nodes[i]
	v.text(n.ID, at(i, "title"), n.Title, MaxTitleLen, true)
	v.text(n.ID, at(i, "body"), n.Body, MaxBodyLen, false)
	// The fields of the node's type; a node of unknown type gets no further checks.
	switch n.Type {
	case TypeQuestion:
		v.checkOptions(i, n)
	case TypeInstruction:
		v.text(n.ID, at(i, "command"), n.Command, MaxBodyLen, false)
	case TypeLogic:
		v.checkRules(i, n)
	case TypeInput:
		v.checkFields(i, n)
	case TypeSubflow:
		if n.FlowID == uuid.Nil {
			v.ps.add(n.ID, at(i, "flow_id"), "a subflow node needs the flow it opens")
		}
	case TypeLink:
		if msg := checkURL(n.URL); msg != "" {
			v.ps.add(n.ID, at(i, "url"), "%s", msg)
		}
	case TypeResolution:
		if !slices.Contains([]Outcome{OutcomeResolved, OutcomeEscalated, OutcomeUnresolved}, n.Outcome) {
			v.ps.add(n.ID, at(i, "outcome"), "must be resolved, escalated or unresolved")
		}
	default:
		v.ps.add(n.ID, at(i, "type"), "unknown node type %s", quote(string(n.Type)))
		return
	}
	// Fields of other types, then the edges.
	for _, f := range strays(n) {
		v.ps.add(n.ID, at(i, f), "%s does not belong on a %s node", f, n.Type)
	}
	v.checkEdges(i, n)
}

// text checks a user string: not blank when required, at most max characters.
func (v *validator) text(nodeID, field, s string, maxLen int, required bool) {
	if required && strings.TrimSpace(s) == "" {
		v.ps.add(nodeID, field, "must not be empty")
	} else if utf8.RuneCountInString(s) > maxLen {
		v.ps.add(nodeID, field, "must be at most %d characters", maxLen)
	}
}

// items checks the count of a list: at least one, at most MaxItems.
func (v *validator) items(nodeID, field string, n int, what string) bool {
	switch {
	case n == 0:
		v.ps.add(nodeID, field, "needs at least one %s", what)
		return false
	case n > MaxItems:
		v.ps.add(nodeID, field, "at most %d %ss are allowed", MaxItems, what)
		return false
	}
	return true
}

// nodeFields lists the type-specific fields of a node and the types they belong to.
var nodeFields = []struct {
	name  string
	types []NodeType
	set   func(Node) bool
}{
	{"options", []NodeType{TypeQuestion}, func(n Node) bool { return len(n.Options) > 0 }},
	{"next", []NodeType{TypeInstruction, TypeInput, TypeSubflow, TypeLink}, func(n Node) bool { return n.Next != "" }},
	{"command", []NodeType{TypeInstruction}, func(n Node) bool { return n.Command != "" }},
	{"rules", []NodeType{TypeLogic}, func(n Node) bool { return len(n.Rules) > 0 }},
	{"default", []NodeType{TypeLogic}, func(n Node) bool { return n.Default != "" }},
	{"fields", []NodeType{TypeInput}, func(n Node) bool { return len(n.Fields) > 0 }},
	{"flow_id", []NodeType{TypeSubflow}, func(n Node) bool { return n.FlowID != uuid.Nil }},
	{"url", []NodeType{TypeLink}, func(n Node) bool { return n.URL != "" }},
	{"outcome", []NodeType{TypeResolution}, func(n Node) bool { return n.Outcome != "" }},
}

// strays returns the type-specific fields set on n that its type does not have.
func strays(n Node) []string {
	var out []string
	for _, f := range nodeFields {
		if f.set(n) && !slices.Contains(f.types, n.Type) {
			out = append(out, f.name)
		}
	}
	return out
}

// checkEdges checks that every edge of node i has a target and that the target exists.
func (v *validator) checkEdges(i int, n Node) {
	for _, e := range edges(n) {
		switch _, ok := v.ids[e.target]; {
		case e.target == "":
			v.ps.add(n.ID, at(i, e.field), "%s needs a target node", e.what)
		case !ok:
			v.ps.add(n.ID, at(i, e.field), "%s points to unknown node %s", e.what, quote(e.target))
		default:
			continue
		}
		if v.broken == nil {
			v.broken = make(map[int]bool)
		}
		v.broken[i] = true
	}
}

func (v *validator) checkOptions(i int, n Node) {
	if !v.items(n.ID, at(i, "options"), len(n.Options), "option") {
		return
	}
	seen := make(map[string]bool)
	for j, o := range n.Options {
		field := fmt.Sprintf("options[%d]", j)
		switch {
		case !idPattern.MatchString(o.ID):
			v.ps.add(n.ID, at(i, field+".id"), "must be 1 to %d letters, digits, '_' or '-'", MaxIDLen)
		case seen[o.ID]:
			v.ps.add(n.ID, at(i, field+".id"), "duplicate option id %s", quote(o.ID))
		}
		seen[o.ID] = true
		v.text(n.ID, at(i, field+".label"), o.Label, MaxLabelLen, true)
	}
}

// checkURL returns why s is not an acceptable link, or "".
func checkURL(s string) string {
	switch {
	case s == "":
		return "a link node needs a URL"
	case len(s) > MaxURLLen:
		return fmt.Sprintf("must be at most %d characters", MaxURLLen)
	case strings.TrimSpace(s) != s:
		return "must not start or end with spaces"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an http or https URL"
	case u.Host == "":
		return "must name a host"
	case u.User != nil:
		return "must not contain a user name or password"
	}
	return ""
}
