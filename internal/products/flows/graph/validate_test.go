package graph

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestValidateSample(t *testing.T) {
	t.Parallel()
	if err := Validate(sample()); err != nil {
		t.Fatalf("sample graph: %v", err)
	}
	// The graph survives its storage format: JSON with snake_case names, and the result validates.
	data, err := json.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"flow_id":`, `"start":true`, `"options":`, `"default":"un"`} {
		if !strings.Contains(string(data), name) {
			t.Errorf("JSON lacks %s: %s", name, data)
		}
	}
	if strings.Contains(string(data), `"flow_id":"00000000`) {
		t.Errorf("a zero flow_id is written: %s", data)
	}
	var back Graph
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if err := Validate(back); err != nil {
		t.Fatalf("sample graph after JSON: %v", err)
	}
}

// TestValidateProblems breaks the sample graph one way per case and expects the problem that
// names the node and the field (among possibly others).
func TestValidateProblems(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name                 string
		mutate               func(t *testing.T, g *Graph)
		nodeID, field, inMsg string
	}{
		{"unknown type", func(t *testing.T, g *Graph) { node(t, g, "ins").Type = "webhook" },
			"ins", "nodes[1].type", `unknown node type "webhook"`},
		{"empty id", func(t *testing.T, g *Graph) { node(t, g, "ok").ID = "" },
			"", "nodes[6].id", "letters, digits"},
		{"bad id characters", func(t *testing.T, g *Graph) { node(t, g, "ok").ID = "o k" },
			"o k", "nodes[6].id", "letters, digits"},
		{"id too long", func(t *testing.T, g *Graph) { node(t, g, "ok").ID = long(65) },
			long(65), "nodes[6].id", "1 to 64"},
		{"duplicate id", func(t *testing.T, g *Graph) { node(t, g, "un").ID = "esc" },
			"esc", "nodes[8].id", "duplicate node id \"esc\" (also nodes[7])"},
		{"unknown option target", func(t *testing.T, g *Graph) { node(t, g, "q").Options[1].Next = "nowhere" },
			"q", "nodes[0].options[1].next", `option "b" points to unknown node "nowhere"`},
		{"option without target", func(t *testing.T, g *Graph) { node(t, g, "q").Options[0].Next = "" },
			"q", "nodes[0].options[0].next", `option "a" needs a target node`},
		{"unknown next", func(t *testing.T, g *Graph) { node(t, g, "ins").Next = "gone" },
			"ins", "nodes[1].next", `next points to unknown node "gone"`},
		{"missing next", func(t *testing.T, g *Graph) { node(t, g, "lnk").Next = "" },
			"lnk", "nodes[2].next", "needs a target node"},
		{"unknown rule target", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[1].Next = "gone" },
			"lg", "nodes[4].rules[1].next", `the rule on "pick" points to unknown node "gone"`},
		{"missing default", func(t *testing.T, g *Graph) { node(t, g, "lg").Default = "" },
			"lg", "nodes[4].default", "default needs a target node"},
		{"no start", func(t *testing.T, g *Graph) { node(t, g, "q").Start = false },
			"", "nodes", "no start node"},
		{"several starts", func(t *testing.T, g *Graph) { node(t, g, "ins").Start = true },
			"ins", "nodes[1].start", `several start nodes: "q" is already the start`},
		{"unreachable", func(t *testing.T, g *Graph) { node(t, g, "q").Options = node(t, g, "q").Options[:2] },
			"sub", "nodes[5]", `not reachable from the start node "q"`},
		{"no reachable resolution", func(t *testing.T, g *Graph) {
			g.Nodes = []Node{{ID: "a", Type: TypeInstruction, Title: "A", Start: true, Next: "b"},
				{ID: "b", Type: TypeInstruction, Title: "B", Next: "a"}}
		}, "", "nodes", "no resolution node is reachable"},
		{"dead-end loop", func(t *testing.T, g *Graph) { node(t, g, "lnk").Next = "ins" },
			"ins", "nodes[1]", "no resolution can be reached from here"},
		{"no nodes", func(t *testing.T, g *Graph) { g.Nodes = nil }, "", "nodes", "no nodes"},
		{"too many nodes", func(t *testing.T, g *Graph) {
			for i := len(g.Nodes); i <= MaxNodes; i++ {
				g.Nodes = append(g.Nodes, Node{ID: fmt.Sprintf("n%d", i), Type: TypeResolution, Title: "x", Outcome: OutcomeResolved})
			}
		}, "", "nodes", "the flow has 2001 nodes; at most 2000"},
		{"question without options", func(t *testing.T, g *Graph) { node(t, g, "q").Options = nil },
			"q", "nodes[0].options", "needs at least one option"},
		{"too many options", func(t *testing.T, g *Graph) {
			q := node(t, g, "q")
			for i := len(q.Options); i <= MaxItems; i++ {
				q.Options = append(q.Options, Option{ID: fmt.Sprintf("o%d", i), Label: "L", Next: "ok"})
			}
		}, "q", "nodes[0].options", "at most 100 options"},
		{"duplicate option id", func(t *testing.T, g *Graph) { node(t, g, "q").Options[2].ID = "a" },
			"q", "nodes[0].options[2].id", `duplicate option id "a"`},
		{"bad option id", func(t *testing.T, g *Graph) { node(t, g, "q").Options[2].ID = "c!" },
			"q", "nodes[0].options[2].id", "letters, digits"},
		{"empty option label", func(t *testing.T, g *Graph) { node(t, g, "q").Options[0].Label = "  " },
			"q", "nodes[0].options[0].label", "must not be empty"},
		{"option label too long", func(t *testing.T, g *Graph) { node(t, g, "q").Options[0].Label = long(201) },
			"q", "nodes[0].options[0].label", "at most 200 characters"},
		{"empty title", func(t *testing.T, g *Graph) { node(t, g, "ins").Title = "\t" },
			"ins", "nodes[1].title", "must not be empty"},
		{"title too long", func(t *testing.T, g *Graph) { node(t, g, "ins").Title = strings.Repeat("é", 201) },
			"ins", "nodes[1].title", "at most 200 characters"},
		{"body too long", func(t *testing.T, g *Graph) { node(t, g, "ins").Body = long(MaxBodyLen + 1) },
			"ins", "nodes[1].body", "at most 20000 characters"},
		{"command too long", func(t *testing.T, g *Graph) { node(t, g, "ins").Command = long(MaxBodyLen + 1) },
			"ins", "nodes[1].command", "at most 20000 characters"},
		{"logic without rules", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules = nil },
			"lg", "nodes[4].rules", "needs at least one rule"},
		{"unknown op", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Op = "between" },
			"lg", "nodes[4].rules[0].op", `unknown op "between"`},
		{"rule on undefined variable", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Variable = "ghost" },
			"lg", "nodes[4].rules[0].variable", `variable "ghost" is not defined by any input node`},
		{"rule on a bad variable name", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Variable = "Ghost" },
			"lg", "nodes[4].rules[0].variable", "not a variable name"},
		{"number rule with a string", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Value = "10" },
			"lg", "nodes[4].rules[0].value", `variable "n" is a number`},
		{"choice rule with a number", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[1].Value = 1.0 },
			"lg", "nodes[4].rules[1].value", `variable "pick" is a choice`},
		{"choice rule on a value that is no choice", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[1].Value = "z" },
			"lg", "nodes[4].rules[1].value", `"z" is not one of the choices`},
		{"boolean ordered", func(t *testing.T, g *Graph) {
			node(t, g, "lg").Rules[0] = Rule{Variable: "flag", Op: OpLt, Value: true, Next: "esc"}
		}, "lg", "nodes[4].rules[0].value", "eq or ne only"},
		{"contains on a number", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Op = OpContains },
			"lg", "nodes[4].rules[0].value", "contains compares strings only"},
		{"empty with a value", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Op = OpEmpty },
			"lg", "nodes[4].rules[0].value", "takes no value"},
		{"comparison without a value", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Value = nil },
			"lg", "nodes[4].rules[0].value", "needs a value"},
		{"value of no JSON scalar type", func(t *testing.T, g *Graph) { node(t, g, "lg").Rules[0].Value = []any{1.0} },
			"lg", "nodes[4].rules[0].value", "a number, a string or a boolean"},
		{"input without fields", func(t *testing.T, g *Graph) {
			node(t, g, "inp").Fields = nil
			node(t, g, "lg").Rules = []Rule{{Variable: "n", Op: OpEmpty, Next: "ok"}}
		}, "inp", "nodes[3].fields", "needs at least one field"},
		{"bad field name", func(t *testing.T, g *Graph) { node(t, g, "inp").Fields[1].Name = "1st" },
			"inp", "nodes[3].fields[1].name", "lower-case letter"},
		{"duplicate field name", func(t *testing.T, g *Graph) { node(t, g, "inp").Fields[1].Name = "n" },
			"inp", "nodes[3].fields[1].name", `duplicate field name "n"`},
		{"empty field label", func(t *testing.T, g *Graph) { node(t, g, "inp").Fields[1].Label = "" },
			"inp", "nodes[3].fields[1].label", "must not be empty"},
		{"unknown field type", func(t *testing.T, g *Graph) { node(t, g, "inp").Fields[1].Type = "date" },
			"inp", "nodes[3].fields[1].type", "string, number, boolean or choice"},
		{"choice without choices", func(t *testing.T, g *Graph) { node(t, g, "inp").Fields[3].Choices = nil },
			"inp", "nodes[3].fields[3].choices", "needs at least one choice"},
		{"duplicate choice", func(t *testing.T, g *Graph) { node(t, g, "inp").Fields[3].Choices = []string{"x", "x"} },
			"inp", "nodes[3].fields[3].choices[1]", `duplicate choice "x"`},
		{"choices on a string field", func(t *testing.T, g *Graph) { node(t, g, "inp").Fields[1].Choices = []string{"x"} },
			"inp", "nodes[3].fields[1].choices", "only a choice field has choices"},
		{"variable defined twice differently", func(t *testing.T, g *Graph) {
			ins := node(t, g, "ins")
			*ins = Node{ID: "ins", Type: TypeInput, Title: "Again", Next: "lnk",
				Fields: []Field{{Name: "n", Label: "Now a string", Type: FieldString}}}
		}, "inp", "nodes[3].fields[0].type", `variable "n" is already defined with another type or choices by node "ins"`},
		{"subflow without flow", func(t *testing.T, g *Graph) { node(t, g, "sub").FlowID = uuid.Nil },
			"sub", "nodes[5].flow_id", "needs the flow it opens"},
		{"javascript URL", func(t *testing.T, g *Graph) { node(t, g, "lnk").URL = "javascript:alert(1)" },
			"lnk", "nodes[2].url", "http or https"},
		{"ftp URL", func(t *testing.T, g *Graph) { node(t, g, "lnk").URL = "ftp://example.com/x" },
			"lnk", "nodes[2].url", "http or https"},
		{"URL without host", func(t *testing.T, g *Graph) { node(t, g, "lnk").URL = "https:///path" },
			"lnk", "nodes[2].url", "must name a host"},
		{"URL with credentials", func(t *testing.T, g *Graph) { node(t, g, "lnk").URL = "https://me:pw@example.com/" },
			"lnk", "nodes[2].url", "user name or password"},
		{"unparsable URL", func(t *testing.T, g *Graph) { node(t, g, "lnk").URL = "https://exa mple.com/" },
			"lnk", "nodes[2].url", "not a valid URL"},
		{"missing URL", func(t *testing.T, g *Graph) { node(t, g, "lnk").URL = "" },
			"lnk", "nodes[2].url", "needs a URL"},
		{"bad outcome", func(t *testing.T, g *Graph) { node(t, g, "ok").Outcome = "fixed" },
			"ok", "nodes[6].outcome", "resolved, escalated or unresolved"},
		{"resolution with next", func(t *testing.T, g *Graph) { node(t, g, "ok").Next = "q" },
			"ok", "nodes[6].next", "next does not belong on a resolution node"},
		{"question with a command", func(t *testing.T, g *Graph) { node(t, g, "q").Command = "rm -rf" },
			"q", "nodes[0].command", "command does not belong on a question node"},
		{"logic loop", func(t *testing.T, g *Graph) {
			lg := node(t, g, "lg")
			lg.Default = "lg2"
			g.Nodes = append(g.Nodes, Node{ID: "lg2", Type: TypeLogic, Title: "Again", Default: "un",
				Rules: []Rule{{Variable: "s", Op: OpNotEmpty, Next: "lg"}}})
		}, "lg", "nodes[4]", "logic nodes loop without reaching a step: lg → lg2 → lg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := sample()
			tt.mutate(t, &g)
			ps := problemsOf(t, Validate(g))
			if !hasProblem(ps, tt.nodeID, tt.field, tt.inMsg) {
				t.Errorf("want problem {%q %s: ...%s...}, got %+v", tt.nodeID, tt.field, tt.inMsg, ps)
			}
		})
	}
}

// TestValidateListsEveryProblem checks that problems do not stop at the first, and that the
// error message counts them.
func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	g := sample()
	node(t, &g, "ins").Title = ""
	node(t, &g, "lnk").URL = "file:///etc/passwd"
	node(t, &g, "ok").Outcome = ""
	err := Validate(g)
	ps := problemsOf(t, err)
	if len(ps) != 3 {
		t.Fatalf("want 3 problems, got %d: %+v", len(ps), ps)
	}
	if !strings.Contains(err.Error(), "3 problem(s)") || !strings.Contains(err.Error(), "nodes[1].title") {
		t.Errorf("error message: %v", err)
	}
}

// TestValidateReportsEachStartOnce checks that with three start nodes the two extra ones are named.
func TestValidateReportsEachStartOnce(t *testing.T) {
	t.Parallel()
	g := sample()
	node(t, &g, "ins").Start = true
	node(t, &g, "ok").Start = true
	ps := problemsOf(t, Validate(g))
	var named []string
	for _, p := range ps {
		if strings.HasSuffix(p.Field, ".start") {
			named = append(named, p.NodeID)
		}
	}
	if strings.Join(named, ",") != "ins,ok" {
		t.Errorf("start problems name %v, want ins and ok; all: %+v", named, ps)
	}
}

// TestValidateSelfLoopAllowed: a question may lead back to itself or an earlier step ("try
// again"), as long as a resolution stays reachable.
func TestValidateSelfLoopAllowed(t *testing.T) {
	t.Parallel()
	g := sample()
	q := node(t, &g, "q")
	q.Options = append(q.Options, Option{ID: "again", Label: "Ask again", Next: "q"})
	node(t, &g, "lnk").Next = "q"
	if err := Validate(g); err != nil {
		t.Fatalf("loop with an exit: %v", err)
	}
}
