package graph

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDefinitions(t *testing.T) {
	t.Parallel()
	g := sample()
	defs := Definitions(g)
	want := map[string]FieldType{"n": FieldNumber, "s": FieldString, "flag": FieldBoolean, "pick": FieldChoice}
	if len(defs) != len(want) {
		t.Fatalf("Definitions = %v, want the names of %v", defs, want)
	}
	for name, typ := range want {
		if defs[name].Type != typ || defs[name].Name != name {
			t.Errorf("defs[%q] = %+v, want type %s", name, defs[name], typ)
		}
	}
	// With two definitions the first in node order wins.
	g.Nodes = append([]Node{{ID: "first", Type: TypeInput, Fields: []Field{{Name: "n", Label: "First", Type: FieldNumber}}}}, g.Nodes...)
	if got := Definitions(g)["n"].Label; got != "First" {
		t.Errorf("two definitions: got label %q, want the first node's", got)
	}
}

func TestCheckVariables(t *testing.T) {
	t.Parallel()
	defs := Definitions(sample())
	tests := []struct {
		name   string
		values map[string]any
		bad    []string // the names with a problem, sorted
	}{
		{"all types", map[string]any{"n": 3.5, "s": "text", "flag": false, "pick": "y"}, nil},
		{"Go and json numbers", map[string]any{"n": 7}, nil},
		{"json.Number", map[string]any{"n": json.Number("1e3")}, nil},
		{"nil unsets", map[string]any{"n": nil, "pick": nil}, nil},
		{"no values", nil, nil},
		{"string at the limit", map[string]any{"s": strings.Repeat("é", MaxStringLen)}, nil},
		{"number as a string", map[string]any{"n": "3"}, []string{"n"}},
		{"bad json.Number", map[string]any{"n": json.Number("x")}, []string{"n"}},
		{"NaN", map[string]any{"n": math.NaN()}, []string{"n"}},
		{"infinity", map[string]any{"n": math.Inf(1)}, []string{"n"}},
		{"boolean as a string", map[string]any{"flag": "true"}, []string{"flag"}},
		{"boolean as a number", map[string]any{"flag": 1.0}, []string{"flag"}},
		{"string as a number", map[string]any{"s": 1.0}, []string{"s"}},
		{"string too long", map[string]any{"s": strings.Repeat("x", MaxStringLen+1)}, []string{"s"}},
		{"choice not listed", map[string]any{"pick": "z"}, []string{"pick"}},
		{"choice of another case", map[string]any{"pick": "X"}, []string{"pick"}},
		{"choice as a number", map[string]any{"pick": 1.0}, []string{"pick"}},
		{"object", map[string]any{"s": map[string]any{"a": 1.0}}, []string{"s"}},
		{"unknown name", map[string]any{"ghost": "x"}, []string{"ghost"}},
		{"several, sorted", map[string]any{"s": 1.0, "ghost": 1.0, "n": "x"}, []string{"ghost", "n", "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps := problemsOf(t, CheckVariables(defs, tt.values))
			var got []string
			for _, p := range ps {
				if !strings.HasPrefix(p.Field, "variables.") || p.Message == "" {
					t.Errorf("problem %+v: want field variables.<name> and a message", p)
				}
				got = append(got, strings.TrimPrefix(p.Field, "variables."))
			}
			if strings.Join(got, ",") != strings.Join(tt.bad, ",") {
				t.Errorf("problems for %v, want %v: %+v", got, tt.bad, ps)
			}
		})
	}
}

func TestSetVariables(t *testing.T) {
	t.Parallel()
	g := sample()
	run := Run{Variables: map[string]any{"s": "keep", "pick": "x"}}
	got, err := SetVariables(g, run, map[string]any{"n": 4, "pick": nil})
	if err != nil {
		t.Fatal(err)
	}
	if got.Variables["n"] != 4.0 {
		t.Errorf("n = %#v, want float64 4 (stored as JSON gives it back)", got.Variables["n"])
	}
	if _, set := got.Variables["pick"]; set {
		t.Errorf("pick still set: %v", got.Variables)
	}
	if got.Variables["s"] != "keep" {
		t.Errorf("s = %v, want it kept", got.Variables["s"])
	}
	if run.Variables["pick"] != "x" || len(run.Variables) != 2 {
		t.Errorf("the argument was modified: %v", run.Variables)
	}
	if _, err := SetVariables(g, run, map[string]any{"n": "four"}); len(problemsOf(t, err)) != 1 {
		t.Errorf("a bad value: want one problem, got %v", err)
	}
}
