package graph

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)

// mustDecide is Decide that fails the test on an error.
func mustDecide(t *testing.T, g Graph, run Run, option, note string) Run {
	t.Helper()
	out, err := Decide(g, run, option, note, t0.Add(time.Duration(len(run.Decisions)+1)*time.Minute))
	if err != nil {
		t.Fatalf("Decide(%s at %s): %v", option, run.Current, err)
	}
	return out
}

func TestStart(t *testing.T) {
	t.Parallel()
	run, err := Start(sample(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.Current != "q" || !slices.Equal(run.Path, []string{"q"}) || run.Done || len(run.Decisions) != 0 {
		t.Errorf("Start = %+v", run)
	}
	if run.Variables == nil || run.Path == nil || run.Decisions == nil {
		t.Errorf("Start leaves nil collections (they would be stored as null): %+v", run)
	}
}

// TestStartThroughLogic: a graph that starts at a logic node moves on with the prefilled variables.
func TestStartThroughLogic(t *testing.T) {
	t.Parallel()
	g := sample()
	node(t, &g, "q").Start = false
	node(t, &g, "lg").Start = true
	tests := []struct {
		vars    map[string]any
		current string
		outcome Outcome
	}{
		{map[string]any{"n": 11}, "esc", OutcomeEscalated},
		{map[string]any{"n": 1, "pick": "x"}, "ok", OutcomeResolved},
		{map[string]any{"pick": nil}, "un", OutcomeUnresolved},
	}
	for _, tt := range tests {
		run, err := Start(g, tt.vars)
		if err != nil {
			t.Fatalf("Start(%v): %v", tt.vars, err)
		}
		if run.Current != tt.current || run.Outcome != tt.outcome || !run.Done ||
			!slices.Equal(run.Path, []string{"lg", tt.current}) {
			t.Errorf("Start(%v) = %+v, want at %s with %s", tt.vars, run, tt.current, tt.outcome)
		}
		if _, set := run.Variables["pick"]; set && tt.vars["pick"] == nil {
			t.Errorf("a nil variable was stored: %v", run.Variables)
		}
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	if _, err := Start(sample(), map[string]any{"n": "many"}); len(problemsOf(t, err)) != 1 {
		t.Errorf("bad variable: %v", err)
	}
	g := sample()
	node(t, &g, "q").Start = false
	if se := stepError(t, second(Start(g, nil))); !strings.Contains(se.Message, "no start node") {
		t.Errorf("no start: %v", se)
	}
	g = sample()
	node(t, &g, "ok").Start = true
	if se := stepError(t, second(Start(g, nil))); !strings.Contains(se.Message, "several start nodes") {
		t.Errorf("several starts: %v", se)
	}
}

func second[T any](_ T, err error) error { return err }

// TestDecideSequences walks the sample graph along each branch.
func TestDecideSequences(t *testing.T) {
	t.Parallel()
	g := sample()
	tests := []struct {
		name    string
		vars    map[string]any // set when the run reaches the input node
		options []string
		path    []string
		outcome Outcome
	}{
		{"instructions and link", nil, []string{"a", ContinueOption, ContinueOption},
			[]string{"q", "ins", "lnk", "ok"}, OutcomeResolved},
		{"input then logic rule 1", map[string]any{"n": 42}, []string{"b", ContinueOption},
			[]string{"q", "inp", "lg", "esc"}, OutcomeEscalated},
		{"input then logic rule 2", map[string]any{"n": 2, "pick": "x"}, []string{"b", ContinueOption},
			[]string{"q", "inp", "lg", "ok"}, OutcomeResolved},
		{"input then logic default", map[string]any{"n": 2, "pick": "y"}, []string{"b", ContinueOption},
			[]string{"q", "inp", "lg", "un"}, OutcomeUnresolved},
		{"subflow", nil, []string{"c", ContinueOption}, []string{"q", "sub", "ok"}, OutcomeResolved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run, err := Start(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, opt := range tt.options {
				if run.Current == "inp" {
					if run, err = SetVariables(g, run, tt.vars); err != nil {
						t.Fatal(err)
					}
				}
				run = mustDecide(t, g, run, opt, "note "+opt)
				if len(run.Decisions) != i+1 || run.Decisions[i].OptionID != opt {
					t.Fatalf("after %s: decisions %+v", opt, run.Decisions)
				}
			}
			if !slices.Equal(run.Path, tt.path) || run.Outcome != tt.outcome || !run.Done {
				t.Errorf("run = %+v, want path %v and outcome %s", run, tt.path, tt.outcome)
			}
			if run.Current != tt.path[len(tt.path)-1] {
				t.Errorf("current %q, want the last node of the path", run.Current)
			}
		})
	}
}

// TestDecideRecords checks what a decision records: node, option, label, note, time.
func TestDecideRecords(t *testing.T) {
	t.Parallel()
	g := sample()
	run, _ := Start(g, nil)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	run, err := Decide(g, run, "a", "user says it started yesterday", at)
	if err != nil {
		t.Fatal(err)
	}
	run, err = Decide(g, run, ContinueOption, "", at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []Decision{
		{NodeID: "q", OptionID: "a", Label: "Instructions", Note: "user says it started yesterday", At: at},
		{NodeID: "ins", OptionID: ContinueOption, Label: ContinueLabel, At: at.Add(time.Minute)},
	}
	if !slices.Equal(run.Decisions, want) {
		t.Errorf("decisions = %+v\nwant %+v", run.Decisions, want)
	}
}

func TestDecideErrors(t *testing.T) {
	t.Parallel()
	g := sample()
	start, _ := Start(g, nil)
	atIns := mustDecide(t, g, start, "a", "")
	atInp := mustDecide(t, g, start, "b", "")
	done := mustDecide(t, g, mustDecide(t, g, mustDecide(t, g, start, "a", ""), ContinueOption, ""), ContinueOption, "")
	tests := []struct {
		name         string
		run          Run
		option, note string
		field, inMsg string
	}{
		{"unknown option", start, "z", "", "option_id", `node "q" has no option "z"`},
		{"continue at a question", start, ContinueOption, "", "option_id", `has no option "next"`},
		{"option at an instruction", atIns, "a", "", "option_id", `takes only option "next"`},
		{"empty option at an instruction", atIns, "", "", "option_id", `takes only option "next"`},
		{"required input missing", atInp, ContinueOption, "", "variables.n", `"A number" is required`},
		{"note too long", start, "a", strings.Repeat("x", MaxNoteLen+1), "note", "longer than"},
		{"finished run", done, ContinueOption, "", "run", "finished"},
		{"current node gone", Run{Current: "gone"}, ContinueOption, "", "run", "not in the flow"},
		{"current node is logic", Run{Current: "lg"}, ContinueOption, "", "run", "no decision can be made at logic node"},
	}
	for _, tt := range tests {
		got, err := Decide(g, tt.run, tt.option, tt.note, t0)
		se := stepError(t, err)
		if se.Field != tt.field || !strings.Contains(se.Message, tt.inMsg) {
			t.Errorf("%s: got %+v, want field %s and ...%s...", tt.name, se, tt.field, tt.inMsg)
		}
		if len(got.Decisions) != len(tt.run.Decisions) || got.Current != tt.run.Current {
			t.Errorf("%s: an error changed the run: %+v", tt.name, got)
		}
	}
}

// TestDecideInputRequiredBlank: a blank string does not satisfy a required field; false does.
func TestDecideInputRequiredBlank(t *testing.T) {
	t.Parallel()
	g := sample()
	inp := node(t, &g, "inp")
	inp.Fields[1].Required, inp.Fields[2].Required = true, true
	start, _ := Start(g, map[string]any{"n": 1, "s": "  ", "flag": false})
	run := mustDecide(t, g, start, "b", "")
	if se := stepError(t, second(Decide(g, run, ContinueOption, "", t0))); se.Field != "variables.s" {
		t.Errorf("blank required string: %+v", se)
	}
	run, _ = SetVariables(g, run, map[string]any{"s": "ok"})
	if run = mustDecide(t, g, run, ContinueOption, ""); !run.Done {
		t.Errorf("false is a value of a required boolean: %+v", run)
	}
}

// TestDecideLogicLoop: an unvalidated graph whose logic nodes loop gives a StepError, not a hang.
func TestDecideLogicLoop(t *testing.T) {
	t.Parallel()
	g := Graph{Nodes: []Node{
		{ID: "q", Type: TypeQuestion, Title: "Q", Start: true, Options: []Option{{ID: "go", Label: "Go", Next: "l1"}, {ID: "bad", Label: "Bad", Next: "nowhere"}}},
		{ID: "l1", Type: TypeLogic, Title: "L1", Default: "l2"},
		{ID: "l2", Type: TypeLogic, Title: "L2", Default: "l1"},
	}}
	run, _ := Start(g, nil)
	if se := stepError(t, second(Decide(g, run, "go", "", t0))); !strings.Contains(se.Message, "logic nodes loop") {
		t.Errorf("loop: %+v", se)
	}
	if se := stepError(t, second(Decide(g, run, "bad", "", t0))); !strings.Contains(se.Message, `unknown node "nowhere"`) {
		t.Errorf("unknown target: %+v", se)
	}
}

// TestRunIsAValue: Start, Decide and Back never write into the run they are given.
func TestRunIsAValue(t *testing.T) {
	t.Parallel()
	g := sample()
	run, _ := Start(g, nil)
	run = mustDecide(t, g, run, "a", "")
	run.Path = slices.Grow(run.Path, 10) // spare capacity an append would write into
	run.Decisions = slices.Grow(run.Decisions, 10)
	before := slices.Clone(run.Path)
	next := mustDecide(t, g, run, ContinueOption, "")
	other := mustDecide(t, g, run, ContinueOption, "other")
	if !slices.Equal(run.Path, before) || len(run.Decisions) != 1 {
		t.Fatalf("Decide modified its argument: %+v", run)
	}
	if next.Decisions[1].Note != "" || other.Decisions[1].Note != "other" {
		t.Errorf("two runs from one share storage: %+v / %+v", next.Decisions, other.Decisions)
	}
	back, err := Back(g, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Decisions) != 2 || len(back.Decisions) != 1 {
		t.Errorf("Back modified its argument: %+v", next)
	}
}

func TestBack(t *testing.T) {
	t.Parallel()
	g := sample()
	start, _ := Start(g, nil)
	// Walk q -b-> inp -next-> lg -> esc, then undo both decisions.
	atInp := mustDecide(t, g, start, "b", "")
	withVars, _ := SetVariables(g, atInp, map[string]any{"n": 50})
	done := mustDecide(t, g, withVars, ContinueOption, "escalating")
	if !done.Done || !slices.Equal(done.Path, []string{"q", "inp", "lg", "esc"}) {
		t.Fatalf("setup: %+v", done)
	}
	back1, err := Back(g, done)
	if err != nil {
		t.Fatal(err)
	}
	if back1.Current != "inp" || back1.Done || back1.Outcome != "" || len(back1.Decisions) != 1 ||
		!slices.Equal(back1.Path, []string{"q", "inp"}) {
		t.Errorf("first Back (pops the logic node too) = %+v", back1)
	}
	if back1.Variables["n"] != 50.0 {
		t.Errorf("Back changed the variables: %v", back1.Variables)
	}
	back2, err := Back(g, back1)
	if err != nil {
		t.Fatal(err)
	}
	if back2.Current != "q" || len(back2.Decisions) != 0 || !slices.Equal(back2.Path, []string{"q"}) {
		t.Errorf("second Back = %+v", back2)
	}
	if se := stepError(t, second(Back(g, back2))); se.Field != "run" || !strings.Contains(se.Message, "no decision") {
		t.Errorf("Back at the start: %+v", se)
	}
	// After Back a different option can be taken.
	if again := mustDecide(t, g, back2, "c", ""); again.Current != "sub" {
		t.Errorf("decide after Back: %+v", again)
	}
}

// TestBackWithLoops: a node visited twice is undone one visit at a time.
func TestBackWithLoops(t *testing.T) {
	t.Parallel()
	g := sample()
	q := node(t, &g, "q")
	q.Options = append(q.Options, Option{ID: "again", Label: "Again", Next: "lgq"})
	g.Nodes = append(g.Nodes, Node{ID: "lgq", Type: TypeLogic, Title: "Back to q", Default: "q",
		Rules: []Rule{{Variable: "s", Op: OpEq, Value: "stop", Next: "un"}}})
	run, _ := Start(g, nil)
	run = mustDecide(t, g, run, "again", "")
	run = mustDecide(t, g, run, "again", "")
	if !slices.Equal(run.Path, []string{"q", "lgq", "q", "lgq", "q"}) {
		t.Fatalf("setup: %v", run.Path)
	}
	run, err := Back(g, run)
	if err != nil || !slices.Equal(run.Path, []string{"q", "lgq", "q"}) || run.Current != "q" || len(run.Decisions) != 1 {
		t.Fatalf("Back = %+v, %v", run, err)
	}
	run, err = Back(g, run)
	if err != nil || !slices.Equal(run.Path, []string{"q"}) || len(run.Decisions) != 0 {
		t.Fatalf("second Back = %+v, %v", run, err)
	}
}

// TestBackMismatch: a path that does not fit the decisions is refused, not guessed at.
func TestBackMismatch(t *testing.T) {
	t.Parallel()
	g := sample()
	run := Run{Current: "ok", Path: []string{"q", "ins", "lnk", "ok"},
		Decisions: []Decision{{NodeID: "ins", OptionID: ContinueOption}}}
	if se := stepError(t, second(Back(g, run))); !strings.Contains(se.Message, "does not match") {
		t.Errorf("mismatch: %+v", se)
	}
}
