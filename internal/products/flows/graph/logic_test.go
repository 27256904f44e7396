package graph

import (
	"encoding/json"
	"math"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	vars := map[string]any{
		"num":   12.5,
		"int":   7,                // a Go int, as a caller might pass
		"jnum":  json.Number("3"), // decoded with UseNumber
		"str":   "Outlook 365",
		"blank": "   ",
		"flag":  true,
		"null":  nil,
		"nan":   math.NaN(),
		"list":  []any{"a"},
		"ver":   "2016",
	}
	tests := []struct {
		variable string
		op       Op
		value    any
		want     bool
	}{
		// numbers compare numerically, whatever their Go type
		{"num", OpEq, 12.5, true},
		{"num", OpEq, 12, false},
		{"num", OpNe, 12.0, true},
		{"num", OpLt, 13.0, true},
		{"num", OpLt, 12.5, false},
		{"num", OpLe, 12.5, true},
		{"num", OpGt, 2.0, true}, // numerically, not as strings ("12.5" < "2")
		{"num", OpGe, 12.5, true},
		{"num", OpGe, 12.6, false},
		{"int", OpEq, 7.0, true},
		{"int", OpGt, json.Number("6.5"), true},
		{"jnum", OpEq, 3, true},
		{"jnum", OpLe, 2, false},
		// strings: exact eq, lexical order, case-insensitive contains
		{"str", OpEq, "Outlook 365", true},
		{"str", OpEq, "outlook 365", false},
		{"str", OpNe, "Outlook", true},
		{"str", OpContains, "OUTLOOK", true},
		{"str", OpContains, "word", false},
		{"ver", OpLt, "2019", true},
		{"ver", OpGe, "2019", false},
		{"ver", OpLe, "2016", true},
		{"ver", OpGt, "2013", true},
		// booleans: eq and ne only
		{"flag", OpEq, true, true},
		{"flag", OpNe, true, false},
		{"flag", OpNe, false, true},
		{"flag", OpLt, true, false},
		{"flag", OpContains, true, false},
		// type mismatches never match, ne included
		{"num", OpEq, "12.5", false},
		{"num", OpNe, "12.5", false},
		{"ver", OpEq, 2016, false},
		{"ver", OpGt, 2000, false},
		{"flag", OpEq, "true", false},
		{"flag", OpNe, 1, false},
		{"str", OpContains, 3, false},
		{"num", OpContains, "12", false},
		{"nan", OpNe, 1, false},
		{"list", OpEq, "a", false},
		{"num", OpEq, nil, false},
		// unset and null variables match nothing but empty
		{"missing", OpEq, "x", false},
		{"missing", OpNe, "x", false},
		{"null", OpNe, 1, false},
		// empty and not_empty
		{"missing", OpEmpty, nil, true},
		{"null", OpEmpty, nil, true},
		{"blank", OpEmpty, nil, true},
		{"str", OpEmpty, nil, false},
		{"num", OpEmpty, nil, false},
		{"flag", OpNotEmpty, nil, true},
		{"missing", OpNotEmpty, nil, false},
		{"blank", OpNotEmpty, nil, false},
		// an unknown op never holds
		{"num", "between", 12.5, false},
	}
	for _, tt := range tests {
		r := Rule{Variable: tt.variable, Op: tt.op, Value: tt.value}
		if got := match(r, vars); got != tt.want {
			t.Errorf("%s %s %#v = %v, want %v", tt.variable, tt.op, tt.value, got, tt.want)
		}
	}
}

// TestChooseOrder: the first matching rule wins; no match takes the default.
func TestChooseOrder(t *testing.T) {
	t.Parallel()
	n := Node{Type: TypeLogic, Default: "d", Rules: []Rule{
		{Variable: "x", Op: OpGt, Value: 10.0, Next: "big"},
		{Variable: "x", Op: OpGt, Value: 5.0, Next: "medium"},
		{Variable: "x", Op: OpNotEmpty, Next: "small"},
	}}
	tests := []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"x": 11.0}, "big"},
		{map[string]any{"x": 6.0}, "medium"},
		{map[string]any{"x": 1.0}, "small"},
		{map[string]any{"x": "eleven"}, "small"},
		{map[string]any{}, "d"},
		{nil, "d"},
	}
	for _, tt := range tests {
		if got := choose(n, tt.vars); got != tt.want {
			t.Errorf("choose(%v) = %q, want %q", tt.vars, got, tt.want)
		}
	}
}
