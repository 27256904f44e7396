package flows_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestAPIAnalytics computes a flow's figures from sessions driven through the API: counts,
// completion rate, median duration, outcomes, exit and drop-off nodes, over a time range; a flow
// the caller cannot see is a random id's 404.
func TestAPIAnalytics(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{})
	o := s.office("an", "olga:operator", "vera:viewer")
	owner, olga, vera := o.owner, o.m("olga"), o.m("vera")
	flow := s.published(owner, "Measured", map[string]any{"visibility": "account"})
	other := s.published(owner, "Not measured", map[string]any{"visibility": "account"})
	s.decide(owner, s.session(owner, other)["id"].(string), "yes")

	resolved := s.session(owner, flow)["id"].(string)
	s.decide(owner, resolved, "yes")
	escalated := s.session(olga, flow)["id"].(string)
	s.decide(olga, escalated, "no")
	s.Must(200, "POST", "/api/v1/sessions/"+escalated+"/complete", olga.Access, map[string]any{"outcome": "escalated"})
	dropped := s.session(owner, flow)["id"].(string)
	s.decide(owner, dropped, "no")
	s.Must(200, "POST", "/api/v1/sessions/"+dropped+"/abandon", owner.Access, nil)
	s.Must(200, "POST", "/api/v1/sessions/"+s.session(olga, flow)["id"].(string)+"/abandon", olga.Access, nil)
	s.session(owner, flow)                                                                         // still active
	s.Must(201, "POST", "/api/v1/sessions/prepare", owner.Access, map[string]any{"flow_id": flow}) // never started
	// Durations of one and three minutes, so that the median is two.
	for id, seconds := range map[string]int{resolved: 60, escalated: 180} {
		s.SuperExec(`UPDATE flow_sessions SET started_at = completed_at - make_interval(secs => $2) WHERE id = $1`, id, seconds)
	}

	got := s.Must(200, "GET", "/api/v1/analytics/flows/"+flow, vera.Access, nil)
	if got["started"] != 5.0 || got["completed"] != 2.0 || got["abandoned"] != 2.0 || got["completion_rate"] != 0.4 ||
		got["median_duration_seconds"] != 120.0 {
		t.Errorf("figures: %v", got)
	}
	wantCounts(t, "outcomes", got["outcomes"], "outcome", map[string]float64{"escalated": 1, "resolved": 1})
	wantCounts(t, "exit nodes", got["exit_nodes"], "node_id", map[string]float64{"done": 1, "fix": 1})
	wantCounts(t, "drop-off nodes", got["drop_off_nodes"], "node_id", map[string]float64{"fix": 1, "start": 1})

	from, to := time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339)
	later := s.Must(200, "GET", "/api/v1/analytics/flows/"+flow+"?from="+from+"&to="+to, owner.Access, nil)
	if later["started"] != 0.0 || later["completion_rate"] != 0.0 || later["median_duration_seconds"] != nil || len(later["exit_nodes"].([]any)) != 0 {
		t.Errorf("a range without sessions: %v", later)
	}
	wantProblem(t, s.Do("GET", "/api/v1/analytics/flows/"+flow+"?from="+to+"&to="+from, owner.Access, nil), http.StatusUnprocessableEntity, "query.to")

	private := s.published(olga, "Private", nil)
	stranger := s.Register("an-stranger")
	for _, c := range []struct {
		who  apitest.Account
		flow string
	}{{stranger, flow}, {vera, private}} {
		sameAsRandom(t, c.who.Email+" reading analytics", s.Do("GET", "/api/v1/analytics/flows/"+c.flow, c.who.Access, nil),
			s.Do("GET", "/api/v1/analytics/flows/"+uuid.NewString(), c.who.Access, nil))
	}
}

// wantCounts checks a list of {key, sessions} figures against want.
func wantCounts(t *testing.T, what string, list any, key string, want map[string]float64) {
	t.Helper()
	got := map[string]float64{}
	for _, it := range list.([]any) {
		m := it.(map[string]any)
		got[m[key].(string)] = m["sessions"].(float64)
	}
	if len(got) != len(want) {
		t.Errorf("%s: %v, want %v", what, got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
}
