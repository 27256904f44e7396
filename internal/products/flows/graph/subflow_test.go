package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestSubflowRefs(t *testing.T) {
	t.Parallel()
	a, b := uuid.New(), uuid.New()
	g := Graph{Nodes: []Node{
		{ID: "s1", Type: TypeSubflow, FlowID: a},
		{ID: "s2", Type: TypeSubflow, FlowID: b},
		{ID: "s3", Type: TypeSubflow, FlowID: a},
		{ID: "s4", Type: TypeSubflow},               // no flow: left out
		{ID: "i", Type: TypeInstruction, FlowID: b}, // not a subflow node (Validate reports it)
	}}
	if got := SubflowRefs(g); !slices.Equal(got, []uuid.UUID{a, b}) {
		t.Errorf("SubflowRefs = %v, want [%v %v]", got, a, b)
	}
	if got := SubflowRefs(sample()); !slices.Equal(got, []uuid.UUID{subflowID}) {
		t.Errorf("sample: %v", got)
	}
}

func TestCheckSubflowCycle(t *testing.T) {
	t.Parallel()
	// Flows named by letter; the graph maps each to the flows it opens.
	id := make(map[string]uuid.UUID)
	name := make(map[uuid.UUID]string)
	for _, n := range "ABCDE" {
		u := uuid.New()
		id[string(n)], name[u] = u, string(n)
	}
	tests := []struct {
		name  string
		graph map[string]string // flow → the flows it references
		cycle string            // the expected cycle path, "" for none
	}{
		{"no references", map[string]string{}, ""},
		{"chain", map[string]string{"A": "B", "B": "C"}, ""},
		{"diamond is no cycle", map[string]string{"A": "BC", "B": "D", "C": "D"}, ""},
		{"self", map[string]string{"A": "A"}, "AA"},
		{"two", map[string]string{"A": "B", "B": "A"}, "ABA"},
		{"three", map[string]string{"A": "B", "B": "C", "C": "A"}, "ABCA"},
		{"cycle below root", map[string]string{"A": "B", "B": "C", "C": "DB"}, "BCB"},
		{"second branch", map[string]string{"A": "BC", "B": "D", "C": "E", "E": "C"}, "CEC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := make(map[string]int)
			refs := func(f uuid.UUID) ([]uuid.UUID, error) {
				calls[name[f]]++
				var out []uuid.UUID
				for _, r := range tt.graph[name[f]] {
					out = append(out, id[string(r)])
				}
				return out, nil
			}
			err := CheckSubflowCycle(id["A"], refs)
			for f, n := range calls {
				if n > 1 {
					t.Errorf("refs(%s) called %d times", f, n)
				}
			}
			if tt.cycle == "" {
				if err != nil {
					t.Fatalf("want no cycle, got %v", err)
				}
				return
			}
			var ce *CycleError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *CycleError, got %v", err)
			}
			got := ""
			for _, u := range ce.Path {
				got += name[u]
			}
			if got != tt.cycle {
				t.Errorf("cycle %s, want %s (%v)", got, tt.cycle, err)
			}
		})
	}
}

func TestCheckSubflowCycleRefsError(t *testing.T) {
	t.Parallel()
	a, b := uuid.New(), uuid.New()
	boom := errors.New("database down")
	err := CheckSubflowCycle(a, func(f uuid.UUID) ([]uuid.UUID, error) {
		if f == b {
			return nil, boom
		}
		return []uuid.UUID{b}, nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("want the callback's error wrapped, got %v", err)
	}
	var ce *CycleError
	if errors.As(err, &ce) {
		t.Errorf("a callback error is not a cycle: %v", err)
	}
	if want := fmt.Sprintf("sub-flow references of %s", b); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the flow", err)
	}
}

func TestCycleErrorMessage(t *testing.T) {
	t.Parallel()
	a, b := uuid.New(), uuid.New()
	err := CheckSubflowCycle(a, func(f uuid.UUID) ([]uuid.UUID, error) {
		return map[uuid.UUID][]uuid.UUID{a: {b}, b: {a}}[f], nil
	})
	want := "sub-flow cycle: " + a.String() + " → " + b.String() + " → " + a.String()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
}
