package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// The statements of the flows scenarios, read from the sources like the list's (pgbench.go): the
// bindings of postgres.DB.Read with postgres.CustomPlans (the flow list plans for its filters'
// values) and of DB.Tx, and the sqlc queries behind GET /api/v1/flows (ListFlows, then FlowTags
// of the page's flows) and behind a decision (LockSession, then SaveSession).
var (
	customPlansSource = sqlSource{"internal/postgres/scoped.go", "customPlansSQL"}
	listFlowsSource   = sqlSource{"internal/products/flows/store/flows.sql.go", "listFlows"}
	flowTagsSource    = sqlSource{"internal/products/flows/store/flows.sql.go", "flowTags"}
	lockSessionSource = sqlSource{"internal/products/flows/store/sessions.sql.go", "lockSession"}
	saveSessionSource = sqlSource{"internal/products/flows/store/sessions.sql.go", "saveSession"}
)

// The scripts' parameters. pgbench sends variables as text parameters, so ids are computed from
// numbers as in flows_data.go (md5 of the tenant's number, of "fu:" and the member, of "fsp:" and
// the session). The API's absent filters and NULL columns are NULL literals (a pgbench variable
// cannot be NULL), the empty scratchpad is an empty string literal (nor can one be empty), and
// SaveSession's time is now(): the statements are otherwise the application's, parameters
// staying parameters, so that PostgreSQL plans them as it plans the API's.
const (
	flowsTenantArg = "md5(:ft)::uuid"
	flowsUserArg   = "md5(concat('fu:', :u::text))::uuid"
	flowsBindUser  = "md5(concat('fu:', :u::text))"
	sessionArg     = "md5(concat('" + pgbenchSessions + ":', :k::text))::uuid"
)

var (
	flowsReadBindArgs = []string{"md5(:ft)", flowsBindUser, ":ro"}
	flowsTxBindArgs   = []string{"md5(:ft)", flowsBindUser, ":rw"}
	listFlowsArgs     = []string{flowsUserArg, flowsTenantArg, "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", ":lim"}
	lockSessionArgs   = []string{flowsTenantArg, sessionArg, flowsUserArg}
	saveSessionArgs   = []string{":status", "NULL", ":run", ":custom", "''", ":vars", ":ticket", ":client", ":started", "NULL", "NULL",
		"now()", flowsTenantArg, sessionArg, flowsUserArg}
)

// flowListScripts returns the flow list's scripts, one per member (pgbench picks one at random
// for each transaction, as the API scenario picks a member): the list in one pipeline with the
// binding, then the page's tags in another, each an implicit transaction as DB.Read sends them.
// Member u's script passes the ids of u's first page (the variable ids_u) to FlowTags.
func flowListScripts(root string) ([]string, error) {
	bind, err := statement(root, flowsReadBindArgs, bindSource, customPlansSource)
	if err != nil {
		return nil, err
	}
	list, err := statement(root, listFlowsArgs, listFlowsSource)
	if err != nil {
		return nil, err
	}
	out := make([]string, flowMembers)
	for u := range out {
		tags, err := statement(root, []string{flowsTenantArg, fmt.Sprintf(":ids_%d", u)}, flowTagsSource)
		if err != nil {
			return nil, err
		}
		out[u] = fmt.Sprintf("\\set u %d\n", u) + pipeline(bind, list) + pipeline(bind, tags)
	}
	return out, nil
}

// decideScript returns the decision's script over pgbench's sessions (session k, member k mod
// flowMembers, its owner): BEGIN, the binding and LockSession in one pipeline, as DB.Tx sends
// them, then SaveSession and COMMIT.
func decideScript(root string, sessions int) (string, error) {
	bind, err := statement(root, flowsTxBindArgs, bindSource)
	if err != nil {
		return "", err
	}
	lock, err := statement(root, lockSessionArgs, lockSessionSource)
	if err != nil {
		return "", err
	}
	save, err := statement(root, saveSessionArgs, saveSessionSource)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("\\set k random(0, %d)\n\\set u :k %% %d\n", sessions-1, flowMembers) + pipeline("BEGIN", bind, lock) +
		save + ";\nCOMMIT;\n", nil
}

// flowListVars are the list scripts' variables: the tenant, a read-only binding, the page size
// the API asks for and each member's page.
func (fb *flowsBench) flowListVars() map[string]string {
	vars := map[string]string{"ft": strconv.Itoa(flowsTenant), "ro": "on", "lim": strconv.Itoa(ListSize + 1)}
	for u, page := range fb.pages {
		vars[fmt.Sprintf("ids_%d", u)] = uuidArray(page)
	}
	return vars
}

// decideVars are the decision script's variables: the tenant, a read-write binding and the
// template session's state, which every SaveSession writes.
func (fb *flowsBench) decideVars() map[string]string {
	return map[string]string{"ft": strconv.Itoa(flowsTenant), "rw": "off", "status": "active", "run": fb.run.run,
		"custom": fb.run.custom, "vars": fb.run.vars, "ticket": fb.run.ticket, "client": fb.run.client, "started": fb.run.started}
}

// uuidArray writes ids as a PostgreSQL array literal.
func uuidArray(ids []uuid.UUID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return "{" + strings.Join(parts, ",") + "}"
}
