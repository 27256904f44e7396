package graph

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// checkFields checks the fields of input node i: names, labels, types, choices.
func (v *validator) checkFields(i int, n Node) {
	if !v.items(n.ID, at(i, "fields"), len(n.Fields), "field") {
		return
	}
	seen := make(map[string]bool)
	for j, f := range n.Fields {
		field := fmt.Sprintf("fields[%d]", j)
		switch {
		case !variablePattern.MatchString(f.Name):
			v.ps.add(n.ID, at(i, field+".name"), "must be a lower-case letter and up to 63 of [a-z0-9_]")
		case seen[f.Name]:
			v.ps.add(n.ID, at(i, field+".name"), "duplicate field name %s", quote(f.Name))
		}
		seen[f.Name] = true
		v.text(n.ID, at(i, field+".label"), f.Label, MaxLabelLen, true)
		switch f.Type {
		case FieldChoice:
			v.checkChoices(n.ID, at(i, field+".choices"), f.Choices)
		case FieldString, FieldNumber, FieldBoolean:
			if len(f.Choices) > 0 {
				v.ps.add(n.ID, at(i, field+".choices"), "only a choice field has choices")
			}
		default:
			v.ps.add(n.ID, at(i, field+".type"), "must be string, number, boolean or choice")
		}
	}
}

func (v *validator) checkChoices(nodeID, field string, choices []string) {
	if !v.items(nodeID, field, len(choices), "choice") {
		return
	}
	seen := make(map[string]bool)
	for k, c := range choices {
		v.text(nodeID, fmt.Sprintf("%s[%d]", field, k), c, MaxLabelLen, true)
		if seen[c] {
			v.ps.add(nodeID, fmt.Sprintf("%s[%d]", field, k), "duplicate choice %s", quote(c))
		}
		seen[c] = true
	}
}

// checkDefinitions reports a variable that two input nodes define with different types or choices.
func (v *validator) checkDefinitions() {
	first := make(map[string]int) // variable name → position of the node that defines it first
	for i, n := range v.g.Nodes {
		if n.Type != TypeInput {
			continue
		}
		for j, f := range n.Fields {
			k, seen := first[f.Name]
			if !seen {
				first[f.Name] = i
				continue
			}
			if def := v.defs[f.Name]; k != i && (def.Type != f.Type || !slices.Equal(def.Choices, f.Choices)) {
				v.ps.add(n.ID, at(i, fmt.Sprintf("fields[%d].type", j)),
					"variable %s is already defined with another type or choices by node %s", quote(f.Name), quote(v.g.Nodes[k].ID))
			}
		}
	}
}

// checkRules checks the rules of logic node i.
func (v *validator) checkRules(i int, n Node) {
	if !v.items(n.ID, at(i, "rules"), len(n.Rules), "rule") {
		return
	}
	for j, r := range n.Rules {
		field := at(i, fmt.Sprintf("rules[%d]", j))
		if msg := v.ruleVariable(r.Variable); msg != "" {
			v.ps.add(n.ID, field+".variable", "%s", msg)
		}
		if msg := v.ruleValue(r); msg != "" {
			v.ps.add(n.ID, field+".value", "%s", msg)
		}
		if !slices.Contains(ops, r.Op) {
			v.ps.add(n.ID, field+".op", "unknown op %s", quote(string(r.Op)))
		}
	}
}

var ops = []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpContains, OpEmpty, OpNotEmpty}

func (v *validator) ruleVariable(name string) string {
	if !variablePattern.MatchString(name) {
		return "not a variable name"
	}
	if _, ok := v.defs[name]; !ok {
		return fmt.Sprintf("variable %s is not defined by any input node", quote(name))
	}
	return ""
}

// ruleValue returns why rule r's value does not suit its op and its variable's type, or "".
func (v *validator) ruleValue(r Rule) string {
	if r.Op == OpEmpty || r.Op == OpNotEmpty {
		if r.Value != nil {
			return fmt.Sprintf("op %s takes no value", r.Op)
		}
		return ""
	}
	// The value on its own, and whether it suits the op.
	k, _, s, _ := classify(r.Value)
	switch {
	case r.Value == nil:
		return fmt.Sprintf("op %s needs a value", quote(string(r.Op)))
	case k == kindNone:
		return "must be a number, a string or a boolean"
	case k == kindString && utf8.RuneCountInString(s) > MaxStringLen:
		return fmt.Sprintf("must be at most %d characters", MaxStringLen)
	case r.Op == OpContains && k != kindString:
		return "contains compares strings only"
	case k == kindBool && r.Op != OpEq && r.Op != OpNe:
		return "a boolean compares with eq or ne only"
	}
	// Against the variable's definition, when there is one (ruleVariable reports its absence).
	def, ok := v.defs[r.Variable]
	if !ok {
		return ""
	}
	if want := fieldKind(def.Type); want != k {
		return fmt.Sprintf("variable %s is a %s; the value must be one too", quote(r.Variable), def.Type)
	}
	if def.Type == FieldChoice && (r.Op == OpEq || r.Op == OpNe) && !slices.Contains(def.Choices, s) {
		return fmt.Sprintf("%s is not one of the choices of variable %s", quote(s), quote(r.Variable))
	}
	return ""
}

// fieldKind returns the kind of value a field type holds.
func fieldKind(t FieldType) kind {
	switch t {
	case FieldNumber:
		return kindNumber
	case FieldBoolean:
		return kindBool
	case FieldString, FieldChoice:
		return kindString
	}
	return kindNone
}
