package graph

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"unicode/utf8"
)

var (
	idPattern       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	variablePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// Definitions returns the variables the graph's input nodes define, by name. When several input
// nodes define the same variable (Validate demands the same type and choices), the first in node
// order wins.
func Definitions(g Graph) map[string]Field {
	defs := make(map[string]Field)
	for _, n := range g.Nodes {
		if n.Type != TypeInput {
			continue
		}
		for _, f := range n.Fields {
			if _, seen := defs[f.Name]; !seen {
				defs[f.Name] = f
			}
		}
	}
	return defs
}

// CheckVariables checks values against the definitions: every name must be defined, a number
// must be a JSON number (any Go number type or json.Number; not NaN or infinite), a boolean a
// bool, a string a string of at most MaxStringLen characters, a choice one of the field's
// choices. A nil value means "no value" and is always accepted. It returns a *ValidationError
// whose problems have the field path "variables.<name>", sorted by name, or nil.
func CheckVariables(defs map[string]Field, values map[string]any) error {
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	var ps problems
	for _, name := range names {
		def, ok := defs[name]
		if !ok {
			ps.add("", "variables."+name, "unknown variable %q", name)
			continue
		}
		if msg := checkValue(def, values[name]); msg != "" {
			ps.add("", "variables."+name, "%s", msg)
		}
	}
	return ps.err()
}

// checkValue returns why v is not a valid value of field f, or "".
func checkValue(f Field, v any) string {
	if v == nil {
		return ""
	}
	k, _, s, _ := classify(v)
	switch f.Type {
	case FieldNumber:
		if k != kindNumber {
			return "must be a number"
		}
	case FieldBoolean:
		if k != kindBool {
			return "must be true or false"
		}
	case FieldString:
		if k != kindString {
			return "must be a string"
		}
		if utf8.RuneCountInString(s) > MaxStringLen {
			return fmt.Sprintf("must be at most %d characters", MaxStringLen)
		}
	case FieldChoice:
		if k != kindString || !slices.Contains(f.Choices, s) {
			return "must be one of the field's choices"
		}
	default:
		return "has an unknown type"
	}
	return ""
}

// normalize returns a checked value in its stored form: numbers become float64, as they come back
// from JSON.
func normalize(v any) any {
	if k, f, _, _ := classify(v); k == kindNumber {
		return f
	}
	return v
}

// SetVariables checks values against the graph's definitions and returns run with them merged
// in: a nil value unsets the variable, other names keep their values. Variables may be set at any
// time; logic nodes already passed are not re-evaluated. The run given is not modified. The
// error is a *ValidationError from CheckVariables.
func SetVariables(g Graph, run Run, values map[string]any) (Run, error) {
	if err := CheckVariables(Definitions(g), values); err != nil {
		return run, err
	}
	out := run.clone()
	for name, v := range values {
		if v == nil {
			delete(out.Variables, name)
		} else {
			out.Variables[name] = normalize(v)
		}
	}
	return out, nil
}
