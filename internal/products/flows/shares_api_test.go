package flows_test

import (
	"crypto/rand"
	"net/http"
	"slices"
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

// The seed's words for the share-link refusals.
const (
	publicOff    = "Your organization does not allow public session sharing. Use account-only visibility."
	needsLogin   = "This share requires authentication"
	otherAccount = "You don't have access to this session"
	expired      = "Share link has expired"
)

// TestAPIShares drives share links through HTTP in the seed router's order of checks. Its subtests
// open links from one client address far more often than a person would, so the share-link rate
// limit is lifted here; TestAPIShareRateLimit checks it on a server of its own.
func TestAPIShares(t *testing.T) {
	t.Parallel()
	s := startFlowsAPI(t, apitest.Options{Configure: func(c *app.Config) {
		c.RateLimits[ratelimit.ShareLink] = ratelimit.Limit{Rate: 1_000_000, Period: time.Minute, Burst: 1_000_000}
	}})
	s.run(t, "Create", testShareCreate)
	s.run(t, "ListMine", testShareListMine)
	s.run(t, "Revoke", testShareRevoke)
	s.run(t, "Open", testShareOpen)
	s.run(t, "ConcurrentViews", testShareConcurrentViews)
	s.run(t, "Settings", testShareSettings)
}

// share creates a share link of a's session and returns it with its token.
func (s flowsAPI) share(a apitest.Account, session, visibility string) map[string]any {
	s.T.Helper()
	return s.Must(201, "POST", "/api/v1/sessions/"+session+"/shares", a.Access, map[string]any{"visibility": visibility, "name": "for the client"})
}

// open opens a share link with a bearer token ("" for none) and a user agent.
func (s flowsAPI) open(token, bearer string) apitest.Response {
	s.T.Helper()
	return s.Do("GET", "/api/v1/share/"+token, bearer, nil, "User-Agent", "share-test/1.0")
}

// allowPublic lets the tenant of admin create public share links.
func (s flowsAPI) allowPublic(admin apitest.Account) {
	s.T.Helper()
	s.Must(200, "PATCH", "/api/v1/flows/settings", admin.Access, map[string]any{"allow_public_shares": true})
}

// unknownToken is a well-formed share token that no share has.
func unknownToken(t *testing.T) string {
	var public [32]byte
	_, _ = rand.Read(public[:])
	o, err := auth.NewOpaque(auth.KindShare, public)
	if err != nil {
		t.Fatal(err)
	}
	return o.Token()
}

// testShareCreate: the role first (403 for a viewer, whatever the session), then the session, which
// must be the caller's own (404 like a random id), then the tenant's policy for public links (403
// with the seed's words). The token is shown once, carries at least 384 random bits, and only its
// hash is stored.
func testShareCreate(t *testing.T, s flowsAPI) {
	o := s.office("shc", "olga:operator", "vera:viewer")
	olga, vera, owner := o.m("olga"), o.m("vera"), o.owner
	stranger := s.Register("shc-stranger")
	session := s.session(olga, s.published(olga, "Shared", map[string]any{"visibility": "account"}))["id"].(string)
	create := func(a apitest.Account, id, visibility string) apitest.Response {
		return s.Do("POST", "/api/v1/sessions/"+id+"/shares", a.Access, map[string]any{"visibility": visibility})
	}
	viewer := create(vera, session, "account")
	if viewer.Status != http.StatusForbidden || viewer.Fingerprint() != create(vera, uuid.NewString(), "account").Fingerprint() {
		t.Errorf("a viewer: %d %s, or it depends on the session", viewer.Status, viewer.Body)
	}
	for _, a := range []apitest.Account{owner, stranger} {
		sameAsRandom(t, a.Email+" sharing olga's session", create(a, session, "account"), create(a, uuid.NewString(), "account"))
	}
	if p := wantProblem(t, create(olga, session, "public"), http.StatusForbidden, ""); p != nil && p["detail"] != publicOff {
		t.Errorf("public without allow_public_shares: %v", p["detail"])
	}
	wantProblem(t, s.Do("POST", "/api/v1/sessions/"+session+"/shares", olga.Access,
		map[string]any{"visibility": "account", "expires_at": time.Now().Add(-time.Minute).Format(time.RFC3339)}), 422, "body.expires_at")
	wantProblem(t, create(olga, session, "everyone"), 422, "body.visibility")
	if n := s.Count(`SELECT count(*) FROM flow_session_shares WHERE tenant_id = $1`, owner.TenantID); n != 0 {
		t.Fatalf("refused creations stored %d shares", n)
	}
	sh := s.share(olga, session, "account")
	token := sh["token"].(string)
	if sh["url"] != s.URL+"/s/"+token {
		t.Errorf("share url %q, want the console's page <public URL>/s/<token>", sh["url"])
	}
	parsed, err := auth.ParseOpaque(auth.KindShare, token)
	if err != nil {
		t.Fatalf("token %q: %v", token, err)
	}
	if body := strings.TrimPrefix(token, "tnr_shr_"); float64(len(body))*5.95 < 384 || parsed.Secret == ([32]byte{}) {
		t.Errorf("token %q carries fewer than 384 bits", token)
	}
	hash := parsed.Hash()
	if n := s.Count(`SELECT count(*) FROM flow_session_shares WHERE id = $1 AND token_hash = $2`, sh["id"], hash[:]); n != 1 {
		t.Error("the stored hash is not the token's")
	}
	if n := s.Count(`SELECT count(*) FROM flow_session_shares s WHERE s.tenant_id = $1 AND strpos(row_to_json(s)::text, $2) > 0`,
		owner.TenantID, token[8:40]); n != 0 {
		t.Error("the share's row holds the token")
	}
	if n := s.Count(`SELECT count(*) FROM audit_events a WHERE a.tenant_id = $1 AND a.action = 'share.create' AND a.target_id = $2
		AND strpos(row_to_json(a)::text, $3) = 0`, owner.TenantID, sh["id"], token[8:40]); n != 1 {
		t.Error("the creation is not audited, or its audit row holds the token")
	}
	if strings.Contains(s.Logs.String(), token[8:40]) {
		t.Error("the token is in the service's log")
	}
	s.allowPublic(owner)
	if public := s.share(olga, session, "public"); public["token"] == token || public["visibility"] != "public" {
		t.Errorf("public share: %v", public)
	}
}

// testShareListMine: the caller's shares that are not revoked, newest first, in pages of 1 to 100
// (50 by default), without tokens.
func testShareListMine(t *testing.T, s flowsAPI) {
	o := s.office("shl", "olga:operator", "otto:operator")
	olga, otto := o.m("olga"), o.m("otto")
	flow := s.published(olga, "Listed", map[string]any{"visibility": "account"})
	session := s.session(olga, flow)["id"].(string)
	var ids []string
	for range 4 {
		ids = append(ids, s.share(olga, session, "account")["id"].(string))
	}
	s.share(otto, s.session(otto, flow)["id"].(string), "account")
	s.Must(204, "DELETE", "/api/v1/shares/"+ids[1], olga.Access, nil)
	want := []string{ids[3], ids[2], ids[0]}
	for _, limit := range []int{1, 2, 100} {
		if got := field(s.pages(olga, "/api/v1/shares/mine", limit), "id"); !slices.Equal(got, want) {
			t.Errorf("pages of %d: %v, want %v", limit, got, want)
		}
	}
	for _, q := range []string{"", "?limit=0", "?limit=1000"} {
		page := s.Must(200, "GET", "/api/v1/shares/mine"+q, olga.Access, nil)
		if got := field(items(page), "id"); !slices.Equal(got, want) || page["next_cursor"] != nil {
			t.Errorf("%q: %v", q, page)
		}
	}
	for _, it := range items(s.Must(200, "GET", "/api/v1/shares/mine", olga.Access, nil)) {
		if _, ok := it["token"]; ok {
			t.Errorf("a listed share carries its token: %v", it)
		}
	}
}

// testShareRevoke: only the creator revokes (anyone else gets a random id's 404); the revocation
// is soft and audited, and the link then answers like an unknown one.
func testShareRevoke(t *testing.T, s flowsAPI) {
	o := s.office("shr", "olga:operator", "otto:operator")
	olga, otto, owner := o.m("olga"), o.m("otto"), o.owner
	stranger := s.Register("shr-stranger")
	session := s.session(olga, s.published(olga, "Revoked", nil))["id"].(string)
	sh := s.share(olga, session, "account")
	id := sh["id"].(string)
	for _, a := range []apitest.Account{otto, owner, stranger} {
		sameAsRandom(t, a.Email+" revoking olga's share", s.Do("DELETE", "/api/v1/shares/"+id, a.Access, nil),
			s.Do("DELETE", "/api/v1/shares/"+uuid.NewString(), a.Access, nil))
	}
	s.Must(200, "GET", "/api/v1/share/"+sh["token"].(string), otto.Access, nil)
	s.Must(204, "DELETE", "/api/v1/shares/"+id, olga.Access, nil)
	if n := s.Count(`SELECT count(*) FROM flow_session_shares WHERE id = $1 AND revoked_at IS NOT NULL`, id); n != 1 {
		t.Error("the revocation is not soft")
	}
	if n := s.auditCount(owner.TenantID, "share.revoke"); n != 1 {
		t.Errorf("%d revocations audited, want 1", n)
	}
	revoked, unknown, malformed := s.open(sh["token"].(string), otto.Access), s.open(unknownToken(t), otto.Access), s.open("nope", otto.Access)
	sameAsRandom(t, "opening a revoked share", revoked, unknown)
	sameAsRandom(t, "opening a malformed token", malformed, unknown)
}

// shareGraph asks for a host name (a variable) before simpleGraph's question.
func shareGraph() graphJSON {
	g := simpleGraph("Shared")
	ns := g["nodes"].([]any)
	delete(ns[0].(node), "start")
	g["nodes"] = append([]any{node{"id": "ask", "type": "input", "title": "Which host?", "start": true, "next": "start",
		"fields": []any{map[string]any{"name": "hostname", "label": "Host", "type": "string"}}}}, ns...)
	return g
}

// testShareOpen: the checks in the seed's order (404 unknown or revoked, 410 expired, 401 account
// share without login, 403 another tenant's member); each successful open is recorded with viewer,
// address and user agent; the payload comes from the snapshot and names neither the owner nor
// the scratchpad or variables.
func testShareOpen(t *testing.T, s flowsAPI) {
	o := s.office("sho", "olga:operator", "otto:operator")
	olga, otto, owner := o.m("olga"), o.m("otto"), o.owner
	stranger := s.Register("sho-stranger")
	s.allowPublic(owner)
	flow := s.published(olga, "Shared flow", map[string]any{"graph": shareGraph()})
	sess := s.Must(201, "POST", "/api/v1/sessions", olga.Access, map[string]any{"flow_id": flow, "ticket_number": "T-9",
		"client_name": "Client-9", "variables": map[string]any{"hostname": "HOST-canary"}})
	id := sess["id"].(string)
	s.Must(200, "PUT", "/api/v1/sessions/"+id+"/scratchpad", olga.Access, map[string]any{"text": "SCRATCH-canary"})
	s.Must(200, "POST", "/api/v1/sessions/"+id+"/decisions", olga.Access, map[string]any{"option_id": "next", "note": "asked the user"})
	s.Must(200, "POST", "/api/v1/sessions/"+id+"/custom-steps", olga.Access, map[string]any{"title": "Checked the cable"})
	public, account := s.share(olga, id, "public"), s.share(olga, id, "account")
	pub, acc := public["token"].(string), account["token"].(string)

	view := s.open(pub, "").JSON(t)
	for _, want := range []string{"title", "description", "graph", "path", "decisions", "custom_steps", "status", "started_at",
		"ticket_number", "client_name", "share_name", "visibility"} {
		if _, ok := view[want]; !ok {
			t.Errorf("the shared view lacks %s: %v", want, view)
		}
	}
	if view["title"] != "Shared flow" || view["ticket_number"] != "T-9" || view["client_name"] != "Client-9" || view["share_name"] != "for the client" ||
		len(view["decisions"].([]any)) != 1 || len(view["custom_steps"].([]any)) != 1 || len(view["graph"].(map[string]any)["nodes"].([]any)) != 4 {
		t.Errorf("the shared view: %v", view)
	}
	raw := string(s.open(pub, "").Body)
	for _, secret := range []string{"SCRATCH-canary", "HOST-canary", "scratchpad", `"variables"`, olga.UserID, olga.Email, "sho-olga", "owner"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the shared view shows %q: %s", secret, raw)
		}
	}
	checks := []struct {
		name, token, bearer string
		status              int
		detail              string
	}{
		{"account share without login", acc, "", 401, needsLogin},
		{"account share, another tenant's member", acc, stranger.Access, 403, otherAccount},
		{"account share, a member", acc, otto.Access, 200, ""},
		{"public share, another tenant's member", pub, stranger.Access, 200, ""},
		{"public share, an invalid access token", pub, "not-a-jwt", 200, ""},
	}
	for _, c := range checks {
		r := s.open(c.token, c.bearer)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
		} else if c.detail != "" {
			if p := wantProblem(t, r, c.status, ""); p != nil && p["detail"] != c.detail {
				t.Errorf("%s: %v, want %q", c.name, p["detail"], c.detail)
			}
		}
	}
	views := `SELECT count(*) FROM flow_session_share_views WHERE share_id = $1 AND user_agent = 'share-test/1.0' AND viewer_ip = '127.0.0.1'`
	if n := s.Count(views+` AND viewer_id IS NULL`, public["id"]); n != 4 {
		t.Errorf("%d anonymous views of the public share recorded, want 4 (a stranger is recorded as anonymous)", n)
	}
	if n := s.Count(views+` AND viewer_id = $2`, account["id"], otto.UserID); n != 1 || s.Count(`SELECT count(*) FROM flow_session_share_views
		WHERE share_id = $1`, account["id"]) != 1 {
		t.Error("the account share's one successful open is not recorded with its viewer, or refused opens are")
	}
	if n := s.Count(`SELECT view_count FROM flow_session_shares WHERE id = $1 AND last_viewed_at IS NOT NULL`, public["id"]); n != 4 {
		t.Errorf("view count %d, want 4", n)
	}
	testShareExpiry(t, s, olga, id)
}

// testShareExpiry: an expired link is a 410 before any sign-in check, and a revoked one a 404
// before its expiry; neither is counted.
func testShareExpiry(t *testing.T, s flowsAPI, olga apitest.Account, session string) {
	expire := func(id any) {
		s.SuperExec(`UPDATE flow_session_shares SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = $1`, id)
	}
	gone := s.share(olga, session, "account")
	expire(gone["id"])
	if p := wantProblem(t, s.open(gone["token"].(string), ""), http.StatusGone, ""); p != nil && p["detail"] != expired {
		t.Errorf("expired: %v", p["detail"])
	}
	both := s.share(olga, session, "public")
	expire(both["id"])
	s.Must(204, "DELETE", "/api/v1/shares/"+both["id"].(string), olga.Access, nil)
	sameAsRandom(t, "a revoked and expired share", s.open(both["token"].(string), ""), s.open(unknownToken(t), ""))
	if n := s.Count(`SELECT count(*) FROM flow_session_share_views WHERE share_id IN ($1, $2)`, gone["id"], both["id"]); n != 0 {
		t.Errorf("%d views recorded for refused opens", n)
	}
	future := s.Must(201, "POST", "/api/v1/sessions/"+session+"/shares", olga.Access,
		map[string]any{"visibility": "account", "expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
	if r := s.open(future["token"].(string), ""); r.Status != http.StatusUnauthorized {
		t.Errorf("an account share that has not expired, without login: %d", r.Status)
	}
}

// testShareConcurrentViews: N concurrent opens count N views, each with its row.
func testShareConcurrentViews(t *testing.T, s flowsAPI) {
	a := s.Register("shv")
	s.allowPublic(a)
	sh := s.share(a, s.session(a, s.published(a, "Busy", nil))["id"].(string), "public")
	const n = 24
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			res, err := http.Get(s.URL + "/api/v1/share/" + sh["token"].(string))
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != 200 {
			t.Errorf("a concurrent open answered %d", st)
		}
	}
	if got := s.Count(`SELECT view_count FROM flow_session_shares WHERE id = $1`, sh["id"]); got != n {
		t.Errorf("view count %d after %d concurrent opens", got, n)
	}
	if got := s.Count(`SELECT count(*) FROM flow_session_share_views WHERE share_id = $1`, sh["id"]); got != n {
		t.Errorf("%d view rows after %d concurrent opens", got, n)
	}
}

// testShareSettings: only admins read or change the flows settings; a body with any key but
// allow_public_shares is a 422 and changes nothing.
func testShareSettings(t *testing.T, s flowsAPI) {
	o := s.office("shs", "olga:operator")
	owner, olga := o.owner, o.m("olga")
	wantProblem(t, s.Do("GET", "/api/v1/flows/settings", olga.Access, nil), http.StatusForbidden, "")
	wantProblem(t, s.Do("PATCH", "/api/v1/flows/settings", olga.Access, map[string]any{"allow_public_shares": true}), http.StatusForbidden, "")
	for _, c := range []struct {
		body     map[string]any
		location string
	}{
		{map[string]any{"rate_limits": map[string]any{"share-link": 100000}}, "body.rate_limits"},
		{map[string]any{"allow_public_shares": true, "rate_limits": map[string]any{"share-link": 100000}}, "body.rate_limits"},
		{map[string]any{"allow_public_shares": true, "tenant_id": uuid.NewString()}, "body.tenant_id"},
		{map[string]any{"allow_public_shares": "yes"}, "body.allow_public_shares"},
		{map[string]any{}, "body"},
	} {
		wantProblem(t, s.Do("PATCH", "/api/v1/flows/settings", owner.Access, c.body), http.StatusUnprocessableEntity, c.location)
	}
	if got := s.Must(200, "GET", "/api/v1/flows/settings", owner.Access, nil); got["allow_public_shares"] != false || got["updated_at"] != nil {
		t.Errorf("settings after refused changes: %v", got)
	}
	if n := s.Count(`SELECT count(*) FROM flow_settings WHERE tenant_id = $1`, owner.TenantID); n != 0 {
		t.Errorf("refused changes wrote %d settings rows", n)
	}
	s.allowPublic(owner)
	if got := s.Must(200, "GET", "/api/v1/flows/settings", owner.Access, nil); got["allow_public_shares"] != true {
		t.Errorf("settings: %v", got)
	}
	if n := s.auditCount(owner.TenantID, "flows.settings_update"); n != 1 {
		t.Errorf("%d settings changes audited, want 1", n)
	}
}

// TestAPIShareRateLimit: opening share links is limited per client address, whatever the link:
// a burst of 30, then one every 2 s (30 a minute), and the refusal is a 429 with Retry-After that
// counts no view. Its own server, with the default limits.
func TestAPIShareRateLimit(t *testing.T) {
	t.Parallel()
	s := flowsAPI{Server: apitest.Start(t)}
	a := s.Register("shrl")
	s.allowPublic(a)
	session := s.session(a, s.published(a, "Limited", nil))["id"].(string)
	links := []map[string]any{s.share(a, session, "public"), s.share(a, session, "public")}
	start, admitted := time.Now(), 0
	for ; admitted < 100; admitted++ {
		r := s.open(links[admitted%2]["token"].(string), "")
		if r.Status == http.StatusTooManyRequests {
			wantProblem(t, r, http.StatusTooManyRequests, "")
			if after, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || after < 1 || after > 60 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			break
		}
		if r.Status != http.StatusOK {
			t.Fatalf("open %d: %d %s", admitted+1, r.Status, r.Body)
		}
	}
	if most := 30 + int(time.Since(start)/(2*time.Second)) + 1; admitted < 30 || admitted > most {
		t.Errorf("%d opens admitted in %v, want 30 and one more every 2 s", admitted, time.Since(start))
	}
	if n := s.Count(`SELECT sum(view_count) FROM flow_session_shares WHERE session_id = $1`, session); n != admitted {
		t.Errorf("%d views counted, want the %d admitted opens", n, admitted)
	}
}
