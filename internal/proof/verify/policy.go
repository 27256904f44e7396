package verify

import (
	"fmt"
	"strings"
)

// How the deparsed policy expressions (pg_get_expr) read the tenant setting.
const (
	// readsTenant is how any read of the setting starts.
	readsTenant = "current_setting('app.tenant_id'::text"
	// readsTenantFailClosed is the fail-closed read: missing_ok, and '' turned into NULL so that
	// neither an unset nor an emptied setting matches a row or raises an error.
	readsTenantFailClosed = "NULLIF(current_setting('app.tenant_id'::text, true), ''::text)"
	// readsTenantOnce is the fail-closed read as the whole of a scalar subquery, which PostgreSQL
	// runs once per statement (an InitPlan) instead of at every row and index scan.
	readsTenantOnce = "SELECT (" + readsTenantFailClosed + ")::uuid"
)

// policyCommands names pg_policy.polcmd values.
var policyCommands = map[string]string{"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}

// checkPolicy: exactly one policy (permissive policies are OR-ed, so a second one widens access);
// it is permissive (a restrictive policy alone grants nothing), FOR ALL, and both its USING and its
// WITH CHECK read app.tenant_id (without WITH CHECK an UPDATE could move a row to another tenant).
func checkPolicy(t *table, _ Expect) []string {
	switch len(t.policies) {
	case 0:
		return []string{"no policy"}
	case 1:
	default:
		names := make([]string, len(t.policies))
		for i, p := range t.policies {
			names[i] = p.name
		}
		return []string{fmt.Sprintf("%d policies (%s), want exactly one", len(names), list(names))}
	}
	p := t.policies[0]
	var problems []string
	if p.cmd != "*" {
		problems = append(problems, fmt.Sprintf("policy %s is FOR %s, want FOR ALL", p.name, policyCommands[p.cmd]))
	}
	if !p.permissive {
		problems = append(problems, fmt.Sprintf("policy %s is RESTRICTIVE and alone grants no row", p.name))
	}
	for _, x := range []struct {
		clause string
		has    bool
		expr   string
	}{{"USING", p.hasUsing, p.using}, {"WITH CHECK", p.hasCheck, p.check}} {
		switch {
		case !x.has:
			problems = append(problems, fmt.Sprintf("policy %s has no %s", p.name, x.clause))
		case !strings.Contains(x.expr, readsTenant):
			problems = append(problems, fmt.Sprintf("policy %s %s does not read app.tenant_id: %s", p.name, x.clause, x.expr))
		}
	}
	return problems
}

// checkFailClosed: every read of app.tenant_id in the policy expressions is the fail-closed form
// NULLIF(current_setting('app.tenant_id', true), ”), so an unset or emptied setting matches nothing.
func checkFailClosed(t *table, _ Expect) []string {
	var problems []string
	reads := 0
	for _, p := range t.policies {
		for _, x := range []struct{ clause, expr string }{{"USING", p.using}, {"WITH CHECK", p.check}} {
			n := strings.Count(x.expr, readsTenant)
			reads += n
			if n > strings.Count(x.expr, readsTenantFailClosed) {
				problems = append(problems, fmt.Sprintf("policy %s %s reads app.tenant_id without NULLIF(current_setting('app.tenant_id', true), ''): %s", p.name, x.clause, x.expr))
			}
		}
	}
	if reads == 0 && len(problems) == 0 {
		return []string{"no policy reads app.tenant_id"}
	}
	return problems
}

// checkInitPlan: every read of app.tenant_id in the policy expressions is a scalar subquery,
// (SELECT NULLIF(current_setting('app.tenant_id', true), ”)::uuid), which PostgreSQL evaluates once
// per statement. Written bare, the read is evaluated at every index scan the statement starts, and
// a query whose joins look up rows one by one (v_spaces) pays for it on every row.
func checkInitPlan(t *table, _ Expect) []string {
	var problems []string
	for _, p := range t.policies {
		for _, x := range []struct{ clause, expr string }{{"USING", p.using}, {"WITH CHECK", p.check}} {
			if strings.Count(x.expr, readsTenant) > strings.Count(x.expr, readsTenantOnce) {
				problems = append(problems, fmt.Sprintf("policy %s %s reads app.tenant_id outside a scalar subquery, once per row instead of once per statement; write (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid): %s", p.name, x.clause, x.expr))
			}
		}
	}
	return problems
}
