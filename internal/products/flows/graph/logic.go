package graph

import (
	"encoding/json"
	"math"
	"strings"
)

// kind is the type class of a variable or rule value.
type kind int

const (
	kindNone kind = iota // nil, or a type a variable cannot hold
	kindNumber
	kindString
	kindBool
)

// classify returns the kind of v and its value as float64, string or bool. Numbers may be any Go
// integer or float type or a json.Number, so values decoded with or without UseNumber both work;
// NaN and infinities are not numbers (JSON cannot carry them).
func classify(v any) (kind, float64, string, bool) {
	switch x := v.(type) {
	case string:
		return kindString, 0, x, false
	case bool:
		return kindBool, 0, "", x
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return kindNone, 0, "", false
		}
		return finite(f)
	}
	if f, ok := toFloat(v); ok {
		return finite(f)
	}
	return kindNone, 0, "", false
}

func finite(f float64) (kind, float64, string, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return kindNone, 0, "", false
	}
	return kindNumber, f, "", false
}

// toFloat converts the Go numeric types to float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// isEmpty reports whether a variable counts as empty: unset, null, or a blank string.
func isEmpty(v any, set bool) bool {
	if !set || v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

// match reports whether rule r holds for the variables. A rule on an unset variable holds only
// for empty; values of different kinds never match (see Op).
func match(r Rule, vars map[string]any) bool {
	v, set := vars[r.Variable]
	switch r.Op {
	case OpEmpty:
		return isEmpty(v, set)
	case OpNotEmpty:
		return !isEmpty(v, set)
	}
	ka, fa, sa, ba := classify(v)
	kb, fb, sb, bb := classify(r.Value)
	if ka == kindNone || ka != kb {
		return false
	}
	switch ka {
	case kindNumber:
		return compareOrdered(r.Op, cmp3(fa < fb, fa > fb))
	case kindString:
		if r.Op == OpContains {
			return strings.Contains(strings.ToLower(sa), strings.ToLower(sb))
		}
		return compareOrdered(r.Op, strings.Compare(sa, sb))
	default: // kindBool
		switch r.Op {
		case OpEq:
			return ba == bb
		case OpNe:
			return ba != bb
		}
		return false
	}
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// compareOrdered applies an ordering op to the result c of a three-way comparison; contains and
// unknown ops do not hold.
func compareOrdered(op Op, c int) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpNe:
		return c != 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	}
	return false
}

// choose returns the target of logic node n: the next of its first matching rule, or its default.
func choose(n Node, vars map[string]any) string {
	for _, r := range n.Rules {
		if match(r, vars) {
			return r.Next
		}
	}
	return n.Default
}
