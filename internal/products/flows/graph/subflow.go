package graph

import (
	"fmt"
	"slices"

	"github.com/google/uuid"
)

// SubflowRefs returns the flows the graph's subflow nodes open, each once, in node order.
func SubflowRefs(g Graph) []uuid.UUID {
	var refs []uuid.UUID
	for _, n := range g.Nodes {
		if n.Type == TypeSubflow && n.FlowID != uuid.Nil && !slices.Contains(refs, n.FlowID) {
			refs = append(refs, n.FlowID)
		}
	}
	return refs
}

// CheckSubflowCycle walks the sub-flow references from flow root depth-first and returns a
// *CycleError naming the first cycle it meets, starting and ending with the flow met twice (root
// itself when root's new graph closes the cycle), or nil. refs returns the flows a flow references: for root, the SubflowRefs of the graph about to be
// published; for the others, those of their published graphs. refs is called at most once per
// flow; an error from it is returned wrapped, and ends the walk.
func CheckSubflowCycle(root uuid.UUID, refs func(uuid.UUID) ([]uuid.UUID, error)) error {
	done := make(map[uuid.UUID]bool)
	var path []uuid.UUID
	var visit func(id uuid.UUID) error
	visit = func(id uuid.UUID) error {
		if i := slices.Index(path, id); i >= 0 {
			return &CycleError{Path: append(slices.Clone(path[i:]), id)}
		}
		if done[id] {
			return nil
		}
		next, err := refs(id)
		if err != nil {
			return fmt.Errorf("graph: sub-flow references of %s: %w", id, err)
		}
		path = append(path, id)
		for _, n := range next {
			if err := visit(n); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		done[id] = true
		return nil
	}
	return visit(root)
}
