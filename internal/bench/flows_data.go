package bench

import (
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// The flows data set: one tenant whose flowMembers members (member 0 the owner, the others
// operators) are in flowTeams teams, member u in teams u and u+1 (mod flowTeams), so each sees
// the team flows of two teams out of four. Its Config.Flows flows mix visibilities: of every 40
// consecutive flows, 16 are visible to the tenant, 16 are team flows (one team per block of 40)
// and 8 are private; the author of flow g is member g mod flowMembers. A member sees about 65 %
// of them. Ids derive from the numbers as in dataset.go; the loader's SQL computes the same
// attributes.
const (
	flowsTenant  = 2_000_000 // the flows tenant's number (tenantID): after the main and the scaling tenants
	flowMembers  = 8
	flowTeams    = 4
	flowPassword = "bench flows password"
)

// The session sets: the decision scenario's sessions and pgbench's, kept apart so that pgbench's
// fixed writes never meet the API's runs.
const (
	apiSessions     = "fs"
	pgbenchSessions = "fsp"
)

// flowUserID is the id of member u of the flows tenant.
func flowUserID(u int) uuid.UUID { return md5UUID("fu:" + strconv.Itoa(u)) }

// flowEmail is member u's e-mail address.
func flowEmail(u int) string { return fmt.Sprintf("flows-%d@bench.example", u) }

// flowID is the id of flow g; flow 0 is the most recently changed.
func flowID(g int) uuid.UUID { return md5UUID("ff:" + strconv.Itoa(g)) }

// flowSessionID is the id of session k of a session set; member k mod flowMembers owns it.
func flowSessionID(set string, k int) uuid.UUID { return md5UUID(set + ":" + strconv.Itoa(k)) }

// flowVisibility is flow g's visibility: (g / flowMembers) mod 5 picks account (0, 1), team (2,
// 3) or private (4).
func flowVisibility(g int) string {
	switch (g / flowMembers) % 5 {
	case 0, 1:
		return "account"
	case 2, 3:
		return "team"
	}
	return "private"
}

// flowTeam is the team of flow g, when it is a team flow.
func flowTeam(g int) int { return (g / (flowMembers * 5)) % flowTeams }

// inTeam reports whether member u is in team t.
func inTeam(u, t int) bool { return t == u%flowTeams || t == (u+1)%flowTeams }

// flowVisible is the visibility rule of the flows product for member u and flow g: visible to
// the tenant, written by u, or a team flow of one of u's teams.
func flowVisible(u, g int) bool {
	switch flowVisibility(g) {
	case "account":
		return true
	case "team":
		if inTeam(u, flowTeam(g)) {
			return true
		}
	}
	return g%flowMembers == u
}

// firstPage returns the ids of the flow list's first page for member u as the API reads it
// (ListSize+1 rows, the extra one telling that a next page exists): top, the decision
// scenario's flow, created after the others and so the newest, then u's visible flows, newest first.
func firstPage(u, flows int, top uuid.UUID) []uuid.UUID {
	out := []uuid.UUID{top}
	for g := 0; g < flows && len(out) < ListSize+1; g++ {
		if flowVisible(u, g) {
			out = append(out, flowID(g))
		}
	}
	return out
}

// decisionGraph is the flow of the decision scenario: a maintenance round over servers, a
// question per step with "yes" to go on, "skip" and "problem" (escalated); the last step's "yes"
// starts the next server, so a session can take "yes" for as long as the scenario runs, its path
// growing by one node each time, as a long procedure's does.
func decisionGraph() map[string]any {
	steps := []string{"Announce the maintenance window to the client", "Snapshot the virtual machine",
		"Check free disk space on the system volume", "Stop the application services", "Install the pending updates",
		"Reboot the server", "Check that the services started", "Check the event log for new errors",
		"Run the application's health check", "Confirm with the client that the application works"}
	step := func(i int) string { return fmt.Sprintf("step_%02d", i) }
	var nodes []map[string]any
	for i, title := range steps {
		next := step((i + 1) % len(steps))
		n := map[string]any{"id": step(i), "type": "question", "title": title + "?", "options": []map[string]any{
			{"id": "yes", "label": "Done", "next": next},
			{"id": "skip", "label": "Not needed on this server", "next": next},
			{"id": "problem", "label": "There is a problem", "next": "escalated"}}}
		if i == 0 {
			n["start"] = true
			finished := map[string]any{"id": "finished", "label": "All servers are done", "next": "finished"}
			n["options"] = append(n["options"].([]map[string]any), finished)
		}
		nodes = append(nodes, n)
	}
	nodes = append(nodes,
		map[string]any{"id": "finished", "type": "resolution", "title": "Maintenance round complete", "outcome": "resolved"},
		map[string]any{"id": "escalated", "type": "resolution", "title": "Escalated to the server team", "outcome": "escalated"})
	return map[string]any{"nodes": nodes}
}

// listGraph is the draft of every flow of the list: small, as most flows' are.
func listGraph() map[string]any {
	return map[string]any{"nodes": []map[string]any{
		{"id": "q", "type": "question", "start": true, "title": "Is the problem solved?", "options": []map[string]any{
			{"id": "yes", "label": "Yes", "next": "ok"}, {"id": "no", "label": "No", "next": "esc"}}},
		{"id": "ok", "type": "resolution", "title": "Resolved", "outcome": "resolved"},
		{"id": "esc", "type": "resolution", "title": "Escalated", "outcome": "escalated"},
	}}
}
