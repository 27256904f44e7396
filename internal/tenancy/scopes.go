package tenancy

import (
	"fmt"
	"slices"
)

// ScopeInfo documents one API-key scope: what it allows and the lowest member role that may hold
// it (a key never exceeds the role of the member who created it).
type ScopeInfo struct {
	Name    string
	MinRole Role
	Default bool // granted when a key is created without a scope list (read scopes only)
	Doc     string
}

// ScopeCatalogue is the list of API-key scopes: every operation that admits API keys names one of
// them, and a key can be given only these. Each package that declares operations hands in its own
// scopes (a product's scopes.go); internal/app assembles the catalogue once, in documentation
// order. The zero value is the empty catalogue, which admits no scope.
type ScopeCatalogue struct {
	scopes []ScopeInfo
}

// NewScopeCatalogue builds the catalogue from groups of scopes, keeping their order. It fails on
// an unnamed or repeated scope and on one whose minimum role is not a role.
func NewScopeCatalogue(groups ...[]ScopeInfo) (ScopeCatalogue, error) {
	var c ScopeCatalogue
	for _, s := range slices.Concat(groups...) {
		switch _, dup := c.Lookup(s.Name); {
		case s.Name == "":
			return ScopeCatalogue{}, fmt.Errorf("tenancy: scope catalogue: a scope without a name")
		case dup:
			return ScopeCatalogue{}, fmt.Errorf("tenancy: scope catalogue: scope %q twice", s.Name)
		case !s.MinRole.Valid():
			return ScopeCatalogue{}, fmt.Errorf("tenancy: scope catalogue: scope %q: unknown role %q", s.Name, s.MinRole)
		}
		c.scopes = append(c.scopes, s)
	}
	return c, nil
}

// All returns every scope, in documentation order.
func (c ScopeCatalogue) All() []ScopeInfo { return slices.Clone(c.scopes) }

// Lookup returns the catalogue entry of a scope name.
func (c ScopeCatalogue) Lookup(name string) (ScopeInfo, bool) {
	for _, s := range c.scopes {
		if s.Name == name {
			return s, true
		}
	}
	return ScopeInfo{}, false
}

// Defaults returns the least-privilege read scopes a key gets when none are asked for.
func (c ScopeCatalogue) Defaults() []string {
	var out []string
	for _, s := range c.scopes {
		if s.Default {
			out = append(out, s.Name)
		}
	}
	return out
}

// MinRole returns the lowest of two roles.
func MinRole(a, b Role) Role {
	if a.AtLeast(b) {
		return b
	}
	return a
}
