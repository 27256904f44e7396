package flows_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// answerCSAT answers a survey anonymously.
func (s flowsAPI) answerCSAT(token string, body map[string]any) apitest.Response {
	s.T.Helper()
	return s.Do("POST", "/api/v1/csat/"+token, "", body)
}

// TestAPICSAT drives satisfaction surveys through HTTP: completing a session (by a decision that
// reaches a resolution, or explicitly) answers with a survey token of at least 256 random bits,
// shown only then, of which only the hash is stored; anyone holding it answers once (204, then
// 409), an unknown or malformed token is the same 404, a bad answer is 422 and stores nothing; the
// answer lives in the session's tenant and the flow's analytics count and average it.
func TestAPICSAT(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{Configure: func(c *app.Config) {
		c.RateLimits[ratelimit.ShareLink] = ratelimit.Limit{Rate: 1_000_000, Period: time.Minute, Burst: 1_000_000}
	}})
	o := s.office("csat", "olga:operator", "vera:viewer")
	owner, olga, vera := o.owner, o.m("olga"), o.m("vera")
	other := s.Register("csat-other")
	flow := s.published(owner, "Surveyed", map[string]any{"visibility": "account"})

	// Completion by a decision that reaches the resolution, and by the complete operation.
	byDecision := s.session(owner, flow)["id"].(string)
	if tok, _ := s.session(owner, flow)["csat_token"].(string); tok != "" {
		t.Errorf("an active session carries a survey token")
	}
	tokenA := s.decide(owner, byDecision, "yes")["csat_token"].(string)
	explicit := s.session(olga, flow)["id"].(string)
	s.decide(olga, explicit, "no")
	tokenB := s.Must(200, "POST", "/api/v1/sessions/"+explicit+"/complete", olga.Access, map[string]any{"outcome": "escalated"})["csat_token"].(string)
	if got := s.Must(200, "GET", "/api/v1/sessions/"+byDecision, owner.Access, nil); got["csat_token"] != nil {
		t.Errorf("reading a completed session shows its survey token again")
	}
	for _, tok := range []string{tokenA, tokenB} {
		parsed, err := auth.ParseOpaque("csat", tok)
		if err != nil {
			t.Fatalf("token %q: %v", tok, err)
		}
		if body := strings.TrimPrefix(tok, "tnr_csat_"); float64(len(body))*5.95 < 256 || parsed.Secret == ([32]byte{}) {
			t.Errorf("token %q carries fewer than 256 bits", tok)
		}
		hash := parsed.Hash()
		if n := s.Count(`SELECT count(*) FROM flow_csat_surveys c WHERE c.tenant_id = $1 AND c.token_hash = $2
			AND strpos(row_to_json(c)::text, $3) = 0`, owner.TenantID, hash[:], tok[9:40]); n != 1 {
			t.Errorf("the survey of %s: %d rows with its hash and without the token, want 1", tok[:12], n)
		}
	}
	if n := s.Count(`SELECT count(*) FROM flow_csat_surveys WHERE tenant_id = $1`, owner.TenantID); n != 2 {
		t.Errorf("%d surveys issued for two completions", n)
	}
	// A decision after completion is refused and issues nothing.
	if r := s.Do("POST", "/api/v1/sessions/"+explicit+"/complete", olga.Access, map[string]any{"outcome": "resolved"}); r.Status != http.StatusConflict {
		t.Errorf("completing twice: %d", r.Status)
	}

	// Refusals: bad answers (422) and unknown tokens (the same 404); none stores anything.
	wantProblem(t, s.answerCSAT(tokenA, map[string]any{"score": 0}), http.StatusUnprocessableEntity, "body.score")
	wantProblem(t, s.answerCSAT(tokenA, map[string]any{"score": 6}), http.StatusUnprocessableEntity, "body.score")
	wantProblem(t, s.answerCSAT(tokenA, map[string]any{"score": 3, "comment": strings.Repeat("é", 2001)}), http.StatusUnprocessableEntity, "body.comment")
	unknown, _ := auth.NewOpaque("csat", [32]byte{7})
	share, _ := auth.NewOpaque(auth.KindShare, [32]byte{7})
	random := s.answerCSAT(unknown.Token(), map[string]any{"score": 5})
	wantProblem(t, random, http.StatusNotFound, "")
	for _, tok := range []string{"not-a-token", share.Token(), tokenA[:len(tokenA)-1] + "x"} {
		if r := s.answerCSAT(tok, map[string]any{"score": 5}); r.Status != http.StatusNotFound || r.Fingerprint() != random.Fingerprint() {
			t.Errorf("token %.20s: %d %s, want the 404 of an unknown token", tok, r.Status, r.Body)
		}
	}
	if n := s.Count(`SELECT count(*) FROM flow_csat_surveys WHERE responded_at IS NOT NULL AND tenant_id = $1`, owner.TenantID); n != 0 {
		t.Fatalf("refused answers stored %d", n)
	}

	// One answer per token, even when sent concurrently: the first is 204, every other 409.
	statuses := make([]int, 8)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = s.answerCSAT(tokenA, map[string]any{"score": 5, "comment": " Quick fix. "}).Status
		})
	}
	wg.Wait()
	if n204, n409 := countOf(statuses, 204), countOf(statuses, 409); n204 != 1 || n409 != len(statuses)-1 {
		t.Errorf("concurrent answers: %v, want one 204 and the rest 409", statuses)
	}
	wantProblem(t, s.answerCSAT(tokenA, map[string]any{"score": 1}), http.StatusConflict, "")
	s.Must(204, "POST", "/api/v1/csat/"+tokenB, "", map[string]any{"score": 2})
	if n := s.Count(`SELECT count(*) FROM flow_csat_surveys WHERE tenant_id = $1 AND session_id = $2 AND score = 5
		AND comment = 'Quick fix.' AND responded_at IS NOT NULL`, owner.TenantID, byDecision); n != 1 {
		t.Error("the first answer is not stored as sent")
	}
	if n := s.Count(`SELECT count(*) FROM flow_csat_surveys WHERE tenant_id = $1 AND session_id = $2 AND score = 2 AND comment IS NULL`,
		owner.TenantID, explicit); n != 1 {
		t.Error("an answer without a comment is not stored as sent")
	}
	if n := s.Count(`SELECT count(*) FROM flow_csat_surveys WHERE tenant_id = $1`, other.TenantID); n != 0 {
		t.Error("another tenant holds surveys")
	}
	if n := s.auditCount(owner.TenantID, "session.csat"); n != 2 {
		t.Errorf("%d session.csat audit events, want 2", n)
	}

	// Analytics: two answers, average 3.5; another flow, and another tenant, have none.
	got := s.Must(200, "GET", "/api/v1/analytics/flows/"+flow, vera.Access, nil)
	if got["csat_responses"] != 2.0 || got["csat_average"] != 3.5 {
		t.Errorf("csat figures: responses %v, average %v", got["csat_responses"], got["csat_average"])
	}
	quiet := s.published(owner, "Unsurveyed", map[string]any{"visibility": "account"})
	if got := s.Must(200, "GET", "/api/v1/analytics/flows/"+quiet, owner.Access, nil); got["csat_responses"] != 0.0 || got["csat_average"] != nil {
		t.Errorf("a flow without answers: %v %v", got["csat_responses"], got["csat_average"])
	}
	sameAsRandom(t, "another tenant's analytics", s.Do("GET", "/api/v1/analytics/flows/"+flow, other.Access, nil),
		s.Do("GET", "/api/v1/analytics/flows/"+uuid.NewString(), other.Access, nil))
}

// countOf returns how many of xs equal x.
func countOf(xs []int, x int) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// TestAPICSATRateLimit: answering surveys is limited per client address with the share-link
// policy, whatever the token (a guesser's unknown tokens count like real ones).
func TestAPICSATRateLimit(t *testing.T) {
	t.Parallel()
	s := flowsAPI{Server: apitest.Start(t)}
	admitted := 0
	for ; admitted < 100; admitted++ {
		o, _ := auth.NewOpaque("csat", [32]byte{byte(admitted)})
		r := s.answerCSAT(o.Token(), map[string]any{"score": 4})
		if r.Status == http.StatusTooManyRequests {
			wantProblem(t, r, http.StatusTooManyRequests, "")
			if after, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || after < 1 || after > 60 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			break
		}
		if r.Status != http.StatusNotFound {
			t.Fatalf("answer %d: %d %s", admitted+1, r.Status, r.Body)
		}
	}
	if admitted < 30 || admitted > 35 {
		t.Errorf("%d answers admitted, want about 30 a minute", admitted)
	}
}
