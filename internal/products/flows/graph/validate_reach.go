package graph

import "strings"

// adjacency returns, by node position, the positions of the nodes each node's edges lead to
// (edges to unknown nodes left out).
func (v *validator) adjacency() [][]int {
	adj := make([][]int, len(v.g.Nodes))
	for i, n := range v.g.Nodes {
		for _, e := range edges(n) {
			if j, ok := v.ids[e.target]; ok {
				adj[i] = append(adj[i], j)
			}
		}
	}
	return adj
}

// walk returns the positions reachable from the given ones (themselves included).
func walk(from []int, adj [][]int) []bool {
	seen := make([]bool, len(adj))
	queue := append([]int(nil), from...)
	for _, i := range from {
		seen[i] = true
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, j := range adj[i] {
			if !seen[j] {
				seen[j] = true
				queue = append(queue, j)
			}
		}
	}
	return seen
}

// checkReach reports nodes the start does not reach, a graph whose start reaches no resolution,
// and reachable nodes from which no resolution can be reached.
func (v *validator) checkReach() {
	v.adj = v.adjacency()
	if v.start < 0 {
		return
	}
	reverse := make([][]int, len(v.adj))
	var resolutions []int
	for i, out := range v.adj {
		for _, j := range out {
			reverse[j] = append(reverse[j], i)
		}
		if v.g.Nodes[i].Type == TypeResolution {
			resolutions = append(resolutions, i)
		}
	}
	reached, finishes := walk([]int{v.start}, v.adj), walk(resolutions, reverse)
	startID := v.g.Nodes[v.start].ID
	if !finishes[v.start] {
		v.ps.add("", "nodes", "no resolution node is reachable from the start node %s", quote(startID))
	}
	for i, n := range v.g.Nodes {
		switch {
		case v.badID[i]:
		case !reached[i]:
			v.ps.add(n.ID, at(i, ""), "not reachable from the start node %s", quote(startID))
		case finishes[v.start] && !finishes[i] && !v.broken[i]:
			v.ps.add(n.ID, at(i, ""), "no resolution can be reached from here: a dead end or a loop without exit")
		}
	}
}

// checkLogicLoops reports each loop of logic nodes (a DFS over the edges between logic nodes).
// Variables do not change while the engine passes logic nodes, so it could never leave such a
// loop once in it; it is reported even when the rules would never take it.
func (v *validator) checkLogicLoops() {
	const (
		fresh = iota
		onStack
		done
	)
	state := make([]int, len(v.g.Nodes))
	var stack []int
	var visit func(i int)
	visit = func(i int) {
		state[i] = onStack
		stack = append(stack, i)
		for _, j := range v.adj[i] {
			switch {
			case v.g.Nodes[j].Type != TypeLogic:
			case state[j] == fresh:
				visit(j)
			case state[j] == onStack:
				v.reportLoop(stack, j)
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = done
	}
	for i, n := range v.g.Nodes {
		if n.Type == TypeLogic && state[i] == fresh {
			visit(i)
		}
	}
}

// reportLoop reports the loop that closes at position j of the DFS stack.
func (v *validator) reportLoop(stack []int, j int) {
	var names []string
	for k := len(stack) - 1; k >= 0; k-- {
		names = append([]string{v.g.Nodes[stack[k]].ID}, names...)
		if stack[k] == j {
			break
		}
	}
	names = append(names, v.g.Nodes[j].ID)
	v.ps.add(v.g.Nodes[j].ID, at(j, ""), "logic nodes loop without reaching a step: %s", strings.Join(names, " → "))
}
