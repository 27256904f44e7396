package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// count runs a counting query as the superuser, to look under RLS in assertions.
// It uses its own context: it also runs in cleanups, after the test's context has ended.
func (s *testServer) count(sql string, args ...any) int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.env.SuperURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// superExec runs a statement as the superuser (to age a row, drop a policy, ...).
func (s *testServer) superExec(sql string, args ...any) error {
	s.t.Helper()
	conn, err := pgx.Connect(s.t.Context(), s.env.SuperURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(s.t.Context(), sql, args...); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
	return nil
}

func TestRegisterLoginMeTenant(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("ana")
	me := s.do("GET", "/api/v1/me", a.access, nil)
	if me.status != 200 || !strings.Contains(string(me.body), `"current":{"tenant":{"id":"`+a.tenantID) {
		t.Fatalf("me: %d %s", me.status, me.body)
	}
	login := s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "ANA@Example.com", "password": a.password})
	if login.status != 200 {
		t.Fatalf("login with another letter case: %d %s", login.status, login.body)
	}
	access := login.json(t)["access_token"].(string)
	ten := s.do("GET", "/api/v1/tenant", access, nil)
	if ten.status != 200 || ten.json(t)["id"] != a.tenantID {
		t.Fatalf("get tenant: %d %s", ten.status, ten.body)
	}
	for _, action := range []string{"auth.register", "auth.login"} {
		if n := s.count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = $2 AND actor_id = $3`, a.tenantID, action, a.userID); n != 1 {
			t.Errorf("audit rows for %s: %d, want 1", action, n)
		}
	}
}

func TestRegisterConflictsAreGenericAndChangeNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.register("bea")
	before := s.count(`SELECT (SELECT count(*) FROM tenants) * 1000 + (SELECT count(*) FROM users)`)
	cases := map[string]map[string]any{
		"same e-mail, other case": {"user": map[string]any{"email": "BEA@example.com", "name": "B", "password": "correct horse battery"}, "tenant": map[string]any{"name": "X", "slug": "fresh-slug"}},
		"same slug":               {"user": map[string]any{"email": "new@example.com", "name": "B", "password": "correct horse battery"}, "tenant": map[string]any{"name": "X", "slug": "t-bea"}},
	}
	var bodies []string
	for name, body := range cases {
		r := s.do("POST", "/api/v1/auth/register", "", body)
		if r.status != http.StatusConflict || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
		for _, leak := range []string{"bea@", "t-bea", "users_email_key", "tenants_slug_key", "Key ("} {
			if strings.Contains(strings.ToLower(string(r.body)), strings.ToLower(leak)) {
				t.Errorf("%s: the 409 echoes %q: %s", name, leak, r.body)
			}
		}
		bodies = append(bodies, string(r.body))
	}
	if bodies[0] != bodies[1] {
		t.Errorf("the two conflicts differ, which tells e-mail from slug:\n%s\n%s", bodies[0], bodies[1])
	}
	if after := s.count(`SELECT (SELECT count(*) FROM tenants) * 1000 + (SELECT count(*) FROM users)`); after != before {
		t.Errorf("failed registrations changed the database: %d -> %d", before, after)
	}
}

// TestRegistrationIsAtomic fails registration at its last step (a product hook) and checks that
// no row of it is left in any table.
func TestRegistrationIsAtomic(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	keys, _ := s.cfg.keyRing()
	hasher, _ := auth.NewHasher(auth.HasherConfig{})
	svc, err := identity.New(s.db, slog.New(slog.DiscardHandler), identity.Config{Hasher: hasher,
		Tokens: &auth.Tokens{Keys: keys, Issuer: app.TokenIssuer, Audience: app.TokenAudience, TTL: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("hook failed")
	var seen tenancy.TenantID
	_, err = svc.Register(t.Context(), identity.Registration{Email: "cid@example.com", Name: "Cid", Password: "correct horse battery", TenantName: "C", Slug: "cid"},
		func(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID) error {
			seen = tenant
			return boom
		})
	if !errors.Is(err, boom) || seen.IsZero() {
		t.Fatalf("register with a failing hook: %v", err)
	}
	n := s.count(`SELECT (SELECT count(*) FROM tenants WHERE id = $1) + (SELECT count(*) FROM users WHERE email = 'cid@example.com')
		+ (SELECT count(*) FROM memberships WHERE tenant_id = $1) + (SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1)
		+ (SELECT count(*) FROM audit_events WHERE tenant_id = $1)`, seen.UUID())
	if n != 0 {
		t.Errorf("a failed registration left %d rows behind", n)
	}
	if r := s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "cid@example.com", "password": "correct horse battery"}); r.status != 401 {
		t.Errorf("login after failed registration: %d", r.status)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("dan")
	r := s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.refresh})
	if r.status != 200 {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	rt2 := r.json(t)["refresh_token"].(string)
	if rt2 == a.refresh {
		t.Fatal("refresh returned the same token")
	}
	if r := s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.refresh}); r.status != 401 {
		t.Errorf("reusing the old token: %d, want 401", r.status)
	}
	if r := s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": rt2}); r.status != 401 {
		t.Errorf("the new token after reuse was detected: %d, want 401 (family revoked)", r.status)
	}
	if n := s.count(`SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1 AND revoked_at IS NULL`, a.tenantID); n != 0 {
		t.Errorf("%d tokens of the family are still live", n)
	}
	if n := s.count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.refresh_reuse' AND outcome = 'denied'`, a.tenantID); n != 1 {
		t.Errorf("refresh reuse audited %d times, want 1", n)
	}
}

func TestConcurrentRefreshOneWins(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("eve")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.refresh}).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		if st == 200 {
			ok++
		} else if st != 401 {
			t.Errorf("unexpected status %d", st)
		}
	}
	if ok != 1 {
		t.Errorf("%d of 2 concurrent refreshes with one token succeeded, want exactly 1", ok)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("fay")
	if r := s.do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": a.refresh}); r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := s.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.refresh}); r.status != 401 {
		t.Errorf("refresh after logout: %d", r.status)
	}
	if r := s.do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": "tnr_rt_garbage"}); r.status != 401 {
		t.Errorf("logout with a malformed token: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.logout'`, a.tenantID); n != 1 {
		t.Errorf("logout audited %d times", n)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.register("gus")
	unknown := s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "whatever whatever"})
	wrong := s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "gus@example.com", "password": "whatever whatever"})
	if unknown.status != 401 || wrong.status != 401 || string(unknown.body) != string(wrong.body) {
		t.Errorf("unknown e-mail and wrong password differ:\n%d %s\n%d %s", unknown.status, unknown.body, wrong.status, wrong.body)
	}
	if n := s.count(`SELECT count(*) FROM security_events WHERE action = 'auth.login' AND outcome = 'failure'`); n != 2 {
		t.Errorf("failed logins recorded: %d, want 2", n)
	}
}

// TestAccessTokenNegatives: every malformed, forged, expired or misdirected token is a 401 with
// WWW-Authenticate, never a 5xx.
func TestAccessTokenNegatives(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("hal")
	keys, _ := s.cfg.keyRing()
	user, tenant := uuid.MustParse(a.userID), uuid.MustParse(a.tenantID)
	claims := auth.AccessClaims{UserID: user, TenantID: tenant, Role: "owner"}
	issue := func(tk *auth.Tokens) string {
		tok, _, err := tk.Issue(claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	otherKeys, _ := auth.NewKeys(keys.Current(), map[string][]byte{keys.Current(): []byte(strings.Repeat("k", 32))})
	valid := issue(&auth.Tokens{Keys: keys, Issuer: app.TokenIssuer, Audience: app.TokenAudience, TTL: time.Minute})
	parts := strings.Split(valid, ".")
	seg := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	cases := map[string]string{
		"alg none":       seg(map[string]string{"alg": "none", "typ": "at+jwt"}) + "." + parts[1] + ".",
		"wrong key":      issue(&auth.Tokens{Keys: otherKeys, Issuer: app.TokenIssuer, Audience: app.TokenAudience, TTL: time.Minute}),
		"expired":        issue(&auth.Tokens{Keys: keys, Issuer: app.TokenIssuer, Audience: app.TokenAudience, TTL: time.Minute, Now: func() time.Time { return time.Now().Add(-time.Hour) }}),
		"wrong audience": issue(&auth.Tokens{Keys: keys, Issuer: app.TokenIssuer, Audience: "someone-else", TTL: time.Minute}),
		"wrong issuer":   issue(&auth.Tokens{Keys: keys, Issuer: "evil", Audience: app.TokenAudience, TTL: time.Minute}),
		"wrong type":     seg(map[string]string{"alg": "HS256", "typ": "JWT", "kid": keys.Current()}) + "." + parts[1] + "." + parts[2],
		"malformed":      "not.a.jwt",
		"two parts":      parts[0] + "." + parts[1],
		"refresh token":  a.refresh,
	}
	if r := s.do("GET", "/api/v1/me", valid, nil); r.status != 200 {
		t.Fatalf("control: a valid token gets %d", r.status)
	}
	for name, tok := range cases {
		r := s.do("GET", "/api/v1/me", tok, nil)
		if r.status != 401 || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d, WWW-Authenticate %q", name, r.status, r.header.Get("WWW-Authenticate"))
		}
	}
	if r := s.do("GET", "/api/v1/me", "", nil); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("no credentials: %d %v", r.status, r.header)
	}
}

// TestTenantRequired: a signed-in user without a tenant is refused tenant operations with 403.
func TestTenantRequired(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("ida")
	keys, _ := s.cfg.keyRing()
	tk := &auth.Tokens{Keys: keys, Issuer: app.TokenIssuer, Audience: app.TokenAudience, TTL: time.Minute}
	noTenant, _, err := tk.Issue(auth.AccessClaims{UserID: uuid.MustParse(a.userID)})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.do("GET", "/api/v1/tenant", noTenant, nil); r.status != 403 {
		t.Errorf("tenant operation without a tenant: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/api/v1/me", noTenant, nil); r.status != 200 || !strings.Contains(string(r.body), `"current":null`) {
		t.Errorf("me without a tenant: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/api/v1/tenant", "", nil, "X-API-Key", "tnr_key_bogus"); r.status != 401 {
		t.Errorf("bogus API key: %d", r.status)
	}
}

// TestSwitchTenantHidesOtherTenants: switching to a tenant you do not belong to is the same 404 as
// switching to one that does not exist.
func TestSwitchTenantHidesOtherTenants(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a, b := s.register("jon"), s.register("kim")
	other := s.do("POST", "/api/v1/auth/switch-tenant", a.access, map[string]any{"tenant_id": b.tenantID})
	random := s.do("POST", "/api/v1/auth/switch-tenant", a.access, map[string]any{"tenant_id": uuid.NewString()})
	if other.status != 404 || string(other.body) != string(random.body) {
		t.Errorf("another tenant's id vs a random id:\n%d %s\n%d %s", other.status, other.body, random.status, random.body)
	}
	if strings.Join(headerNames(other.header), ",") != strings.Join(headerNames(random.header), ",") {
		t.Errorf("header sets differ: %v vs %v", headerNames(other.header), headerNames(random.header))
	}
	own := s.do("POST", "/api/v1/auth/switch-tenant", a.access, map[string]any{"tenant_id": a.tenantID})
	if own.status != 200 || own.json(t)["tenant_id"] != a.tenantID {
		t.Errorf("switch to own tenant: %d %s", own.status, own.body)
	}
}

func headerNames(h http.Header) []string {
	var out []string
	for k := range h {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestLoginAccountLimit: repeated failed sign-ins for one account are refused with 429 before any
// password work, even when they come from different addresses' budgets.
func TestLoginAccountLimit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.register("ivy")
	var last response
	for i := 0; i < 11; i++ {
		last = s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.email, "password": "wrong password " + strconv.Itoa(i)},
			"X-Request-Id", "acct-limit-"+strconv.Itoa(i)+"-xxxxxxxx")
		if i < 10 && last.status != 401 {
			t.Fatalf("attempt %d: %d", i+1, last.status)
		}
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Errorf("11th failed sign-in for one account: %d (Retry-After %q), want 429", last.status, last.header.Get("Retry-After"))
	}
	if r := s.do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.email, "password": a.password}); r.status != 429 {
		t.Errorf("the right password while the account is limited: %d, want 429", r.status)
	}
}
