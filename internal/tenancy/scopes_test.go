package tenancy

import (
	"slices"
	"testing"
)

func TestScopeCatalogue(t *testing.T) {
	read := []ScopeInfo{{Name: "b:read", MinRole: RoleViewer, Default: true}, {Name: "a:read", MinRole: RoleViewer, Default: true}}
	admin := []ScopeInfo{{Name: "a:write", MinRole: RoleAdmin}}
	c, err := NewScopeCatalogue(read, admin)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range c.All() {
		names = append(names, s.Name)
	}
	if want := []string{"b:read", "a:read", "a:write"}; !slices.Equal(names, want) {
		t.Errorf("order %v, want the groups' order %v", names, want)
	}
	if s, ok := c.Lookup("a:write"); !ok || s.MinRole != RoleAdmin {
		t.Errorf("lookup a:write: %+v %v", s, ok)
	}
	if _, ok := c.Lookup("c:read"); ok {
		t.Error("lookup of an unknown scope succeeded")
	}
	if got := c.Defaults(); !slices.Equal(got, []string{"b:read", "a:read"}) {
		t.Errorf("defaults %v", got)
	}
	c.All()[0].Name = "changed"
	if c.All()[0].Name != "b:read" {
		t.Error("All returned the catalogue itself, not a copy")
	}
	var zero ScopeCatalogue
	if _, ok := zero.Lookup("a:read"); ok || len(zero.Defaults()) != 0 {
		t.Error("the zero catalogue admits a scope")
	}
}

func TestScopeCatalogueRefusesMistakes(t *testing.T) {
	for name, groups := range map[string][][]ScopeInfo{
		"unnamed":      {{{MinRole: RoleViewer}}},
		"twice":        {{{Name: "a:read", MinRole: RoleViewer}}, {{Name: "a:read", MinRole: RoleAdmin}}},
		"unknown role": {{{Name: "a:read", MinRole: "boss"}}},
		"no role":      {{{Name: "a:read"}}},
	} {
		if _, err := NewScopeCatalogue(groups...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
