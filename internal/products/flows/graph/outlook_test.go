package graph

import (
	"slices"
	"strings"
	"testing"
)

// TestOutlookValidates checks the demo flow "Outlook will not start" (../demo) and its shape: it
// uses questions, an input node, a logic node on the Office version, instructions with commands,
// a link and a resolution with each outcome.
func TestOutlookValidates(t *testing.T) {
	t.Parallel()
	g := loadGraph(t, "outlook.json")
	if err := Validate(g); err != nil {
		t.Fatalf("outlook.json: %v", err)
	}
	types := make(map[NodeType]int)
	outcomes := make(map[Outcome]bool)
	commands := 0
	for _, n := range g.Nodes {
		types[n.Type]++
		if n.Type == TypeResolution {
			outcomes[n.Outcome] = true
		}
		if n.Command != "" {
			commands++
		}
	}
	for _, typ := range []NodeType{TypeQuestion, TypeInstruction, TypeInput, TypeLogic, TypeLink, TypeResolution} {
		if types[typ] == 0 {
			t.Errorf("no %s node", typ)
		}
	}
	if len(outcomes) != 3 || commands < 3 {
		t.Errorf("outcomes %v, %d commands: want all three outcomes and several commands", outcomes, commands)
	}
	if def, ok := Definitions(g)["office_version"]; !ok || def.Type != FieldChoice || !def.Required {
		t.Errorf("office_version definition = %+v", def)
	}
}

// TestOutlookRuns walks the example to every resolution node, entering the variables when the
// run reaches the input node, and checks that each resolution is covered.
func TestOutlookRuns(t *testing.T) {
	t.Parallel()
	g := loadGraph(t, "outlook.json")
	tests := []struct {
		name    string
		options []string
		vars    map[string]any
		via     []string // nodes the path must contain
		end     string
	}{
		{"add-in", []string{"crash", "next", "yes", "next", "yes"}, nil,
			[]string{"safe_mode", "disable_addins"}, "resolved_addin"},
		{"profile", []string{"profile_hang", "next", "yes"}, nil,
			[]string{"new_profile"}, "resolved_profile"},
		{"click-to-run repair", []string{"no_window", "next", "next", "no", "next", "next", "next", "yes"},
			map[string]any{"office_version": "365"},
			[]string{"kill_processes", "repair_kb", "office_version", "repair_route", "repair_c2r"}, "resolved_repair"},
		{"MSI repair", []string{"crash", "next", "no", "next", "next", "next", "yes"},
			map[string]any{"office_version": "2016", "ost_size_gb": 4},
			[]string{"repair_route", "repair_msi"}, "resolved_repair"},
		{"oversized OST", []string{"profile_hang", "next", "no", "next", "next", "next", "yes"},
			map[string]any{"office_version": "2016", "ost_size_gb": 80},
			[]string{"repair_route", "rebuild_ost"}, "resolved_repair"},
		{"workaround", []string{"crash", "next", "yes", "next", "no", "next", "next", "next", "no", "yes"},
			map[string]any{"office_version": "2021"},
			[]string{"disable_addins", "repair_c2r", "workaround"}, "unresolved_owa"},
		{"escalation", []string{"crash", "next", "no", "next", "next", "next", "no", "no"},
			map[string]any{"office_version": "2019"},
			[]string{"repair_c2r", "workaround"}, "escalated"},
	}
	covered := make(map[string]bool)
	for _, tt := range tests {
		run, err := Start(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range tt.options {
			if run.Current == "office_version" {
				if run, err = SetVariables(g, run, tt.vars); err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
			}
			if run, err = Decide(g, run, opt, "", t0); err != nil {
				t.Fatalf("%s: %s at %s: %v", tt.name, opt, run.Current, err)
			}
		}
		end := node(t, &g, tt.end)
		if !run.Done || run.Current != tt.end || run.Outcome != end.Outcome {
			t.Errorf("%s: ended %+v, want %s (%s)", tt.name, run, tt.end, end.Outcome)
		}
		for _, id := range tt.via {
			if !slices.Contains(run.Path, id) {
				t.Errorf("%s: path %v does not pass %s", tt.name, run.Path, id)
			}
		}
		covered[run.Current] = true
	}
	for _, n := range g.Nodes {
		if n.Type == TypeResolution && !covered[n.ID] {
			t.Errorf("no test reaches resolution %s", n.ID)
		}
	}
}

// TestOutlookInputRequired: the Office version is required before the repair route.
func TestOutlookInputRequired(t *testing.T) {
	t.Parallel()
	g := loadGraph(t, "outlook.json")
	run, _ := Start(g, nil)
	for _, opt := range []string{"crash", "next", "no", "next"} {
		run = mustDecide(t, g, run, opt, "")
	}
	if run.Current != "office_version" {
		t.Fatalf("at %s", run.Current)
	}
	se := stepError(t, second(Decide(g, run, ContinueOption, "", t0)))
	if se.Field != "variables.office_version" || !strings.Contains(se.Message, "Office version") {
		t.Errorf("missing version: %+v", se)
	}
	if _, err := SetVariables(g, run, map[string]any{"office_version": "2010"}); err == nil {
		t.Errorf("2010 is not one of the choices")
	}
}
