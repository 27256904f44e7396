package identity_test

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

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

func TestRegisterLoginMeTenant(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ana")
	me := s.Do("GET", "/api/v1/me", a.Access, nil)
	if me.Status != 200 || !strings.Contains(string(me.Body), `"current":{"tenant":{"id":"`+a.TenantID) {
		t.Fatalf("me: %d %s", me.Status, me.Body)
	}
	login := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "ANA@Example.com", "password": a.Password})
	if login.Status != 200 {
		t.Fatalf("login with another letter case: %d %s", login.Status, login.Body)
	}
	access := login.JSON(t)["access_token"].(string)
	ten := s.Do("GET", "/api/v1/tenant", access, nil)
	if ten.Status != 200 || ten.JSON(t)["id"] != a.TenantID {
		t.Fatalf("get tenant: %d %s", ten.Status, ten.Body)
	}
	for _, action := range []string{"auth.register", "auth.verify_email", "auth.login"} {
		if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = $2 AND actor_id = $3`, a.TenantID, action, a.UserID); n != 1 {
			t.Errorf("audit rows for %s: %d, want 1", action, n)
		}
	}
}

// TestRegisterSlugConflictIsGenericAndChangesNothing: a taken slug is a 409 that echoes nothing,
// byte-identical whether or not the address has an account (the slug is checked first), and it
// creates nothing.
func TestRegisterSlugConflictIsGenericAndChangesNothing(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	s.Register("bea")
	before := s.Count(`SELECT (SELECT count(*) FROM tenants) * 1000 + (SELECT count(*) FROM users)`)
	cases := []map[string]any{
		{"user": map[string]any{"email": "new@example.com", "name": "B", "password": "correct horse battery"}, "tenant": map[string]any{"name": "X", "slug": "t-bea"}},
		{"user": map[string]any{"email": "BEA@example.com", "name": "B", "password": "correct horse battery"}, "tenant": map[string]any{"name": "X", "slug": "t-bea"}},
	}
	var prints []string
	for i, body := range cases {
		r := s.Do("POST", "/api/v1/auth/register", "", body)
		if r.Status != http.StatusConflict || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("case %d: %d %s", i, r.Status, r.Body)
		}
		for _, leak := range []string{"bea@", "t-bea", "users_email_key", "tenants_slug_key", "Key ("} {
			if strings.Contains(strings.ToLower(string(r.Body)), strings.ToLower(leak)) {
				t.Errorf("case %d: the 409 echoes %q: %s", i, leak, r.Body)
			}
		}
		prints = append(prints, r.Fingerprint())
	}
	if prints[0] != prints[1] {
		t.Errorf("a taken slug answers differently for a known address:\n%s\n%s", prints[0], prints[1])
	}
	if after := s.Count(`SELECT (SELECT count(*) FROM tenants) * 1000 + (SELECT count(*) FROM users)`); after != before {
		t.Errorf("failed registrations changed the database: %d -> %d", before, after)
	}
}

// TestRegistrationIsAtomic fails registration at its last step (a product hook) and checks that
// no row of it is left in any table.
func TestRegistrationIsAtomic(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	keys := s.Config.Keys
	hasher, _ := auth.NewHasher(auth.HasherConfig{})
	svc, err := identity.New(s.DB, slog.New(slog.DiscardHandler), identity.Config{Hasher: hasher, SecretKey: make([]byte, secretbox.KeySize),
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
	n := s.Count(`SELECT (SELECT count(*) FROM tenants WHERE id = $1) + (SELECT count(*) FROM users WHERE email = 'cid@example.com')
		+ (SELECT count(*) FROM memberships WHERE tenant_id = $1) + (SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1)
		+ (SELECT count(*) FROM audit_events WHERE tenant_id = $1) + (SELECT count(*) FROM user_tokens WHERE tenant_id = $1)
		+ (SELECT count(*) FROM outbox_messages WHERE tenant_id = $1)`, seen.UUID())
	if n != 0 {
		t.Errorf("a failed registration left %d rows behind", n)
	}
	if r := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "cid@example.com", "password": "correct horse battery"}); r.Status != 401 {
		t.Errorf("login after failed registration: %d", r.Status)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("dan")
	r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh})
	if r.Status != 200 {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	rt2 := r.JSON(t)["refresh_token"].(string)
	if rt2 == a.Refresh {
		t.Fatal("refresh returned the same token")
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh}); r.Status != 401 {
		t.Errorf("reusing the old token: %d, want 401", r.Status)
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": rt2}); r.Status != 401 {
		t.Errorf("the new token after reuse was detected: %d, want 401 (family revoked)", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1 AND revoked_at IS NULL`, a.TenantID); n != 0 {
		t.Errorf("%d tokens of the family are still live", n)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.refresh_reuse' AND outcome = 'denied'`, a.TenantID); n != 1 {
		t.Errorf("refresh reuse audited %d times, want 1", n)
	}
}

func TestConcurrentRefreshOneWins(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("eve")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh}).Status
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
	s := apitest.Start(t)
	a := s.Register("fay")
	if r := s.Do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": a.Refresh}); r.Status != 204 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh}); r.Status != 401 {
		t.Errorf("refresh after logout: %d", r.Status)
	}
	if r := s.Do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": "tnr_rt_garbage"}); r.Status != 401 {
		t.Errorf("logout with a malformed token: %d", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'auth.logout'`, a.TenantID); n != 1 {
		t.Errorf("logout audited %d times", n)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	s.Register("gus")
	unknown := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "whatever whatever"})
	wrong := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "gus@example.com", "password": "whatever whatever"})
	if unknown.Status != 401 || wrong.Status != 401 || string(unknown.Body) != string(wrong.Body) {
		t.Errorf("unknown e-mail and wrong password differ:\n%d %s\n%d %s", unknown.Status, unknown.Body, wrong.Status, wrong.Body)
	}
	if n := s.Count(`SELECT count(*) FROM security_events WHERE action = 'auth.login' AND outcome = 'failure'`); n != 2 {
		t.Errorf("failed logins recorded: %d, want 2", n)
	}
}

// TestAccessTokenNegatives: every malformed, forged, expired or misdirected token is a 401 with
// WWW-Authenticate, never a 5xx.
func TestAccessTokenNegatives(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("hal")
	keys := s.Config.Keys
	user, tenant := uuid.MustParse(a.UserID), uuid.MustParse(a.TenantID)
	ours := &auth.Tokens{Keys: keys, Issuer: app.TokenIssuer, Audience: app.TokenAudience, TTL: time.Minute}
	session, err := ours.Verify(a.Access)
	if err != nil {
		t.Fatal(err)
	}
	claims := auth.AccessClaims{UserID: user, TenantID: tenant, Role: "owner", SessionID: session.SessionID}
	issue := func(tk *auth.Tokens) string {
		tok, _, err := tk.Issue(claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	otherKeys, _ := auth.NewKeys(keys.Current(), map[string][]byte{keys.Current(): []byte(strings.Repeat("k", 32))})
	valid := issue(ours)
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
		"refresh token":  a.Refresh,
	}
	for name, sid := range map[string]uuid.UUID{"no session": uuid.Nil, "unknown session": uuid.Must(uuid.NewV7())} {
		tok, _, err := ours.Issue(auth.AccessClaims{UserID: user, TenantID: tenant, Role: "owner", SessionID: sid})
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = tok
	}
	if r := s.Do("GET", "/api/v1/me", valid, nil); r.Status != 200 {
		t.Fatalf("control: a valid token gets %d", r.Status)
	}
	for name, tok := range cases {
		r := s.Do("GET", "/api/v1/me", tok, nil)
		if r.Status != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d, WWW-Authenticate %q", name, r.Status, r.Header.Get("WWW-Authenticate"))
		}
	}
	if r := s.Do("GET", "/api/v1/me", "", nil); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no credentials: %d %v", r.Status, r.Header)
	}
}

// TestTenantRequired: a signed-in user without a tenant is refused tenant operations with 403.
func TestTenantRequired(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ida")
	keys := s.Config.Keys
	tk := &auth.Tokens{Keys: keys, Issuer: app.TokenIssuer, Audience: app.TokenAudience, TTL: time.Minute}
	noTenant, _, err := tk.Issue(auth.AccessClaims{UserID: uuid.MustParse(a.UserID)})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Do("GET", "/api/v1/tenant", noTenant, nil); r.Status != 403 {
		t.Errorf("tenant operation without a tenant: %d %s", r.Status, r.Body)
	}
	if r := s.Do("GET", "/api/v1/me", noTenant, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"current":null`) {
		t.Errorf("me without a tenant: %d %s", r.Status, r.Body)
	}
	if r := s.Do("GET", "/api/v1/tenant", "", nil, "X-API-Key", "tnr_key_bogus"); r.Status != 401 {
		t.Errorf("bogus API key: %d", r.Status)
	}
}

// TestSwitchTenantHidesOtherTenants: switching to a tenant you do not belong to is the same 404 as
// switching to one that does not exist.
func TestSwitchTenantHidesOtherTenants(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a, b := s.Register("jon"), s.Register("kim")
	other := s.Do("POST", "/api/v1/auth/switch-tenant", a.Access, map[string]any{"tenant_id": b.TenantID})
	random := s.Do("POST", "/api/v1/auth/switch-tenant", a.Access, map[string]any{"tenant_id": uuid.NewString()})
	if other.Status != 404 || string(other.Body) != string(random.Body) {
		t.Errorf("another tenant's id vs a random id:\n%d %s\n%d %s", other.Status, other.Body, random.Status, random.Body)
	}
	if strings.Join(headerNames(other.Header), ",") != strings.Join(headerNames(random.Header), ",") {
		t.Errorf("header sets differ: %v vs %v", headerNames(other.Header), headerNames(random.Header))
	}
	own := s.Do("POST", "/api/v1/auth/switch-tenant", a.Access, map[string]any{"tenant_id": a.TenantID})
	if own.Status != 200 || own.JSON(t)["tenant_id"] != a.TenantID {
		t.Errorf("switch to own tenant: %d %s", own.Status, own.Body)
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

// TestLoginAccountLimit: repeated failed sign-ins for one account from one address are refused with
// 429 before any password work, the right password from that address included (account-source).
func TestLoginAccountLimit(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ivy")
	var last apitest.Response
	for i := 0; i < 11; i++ {
		last = s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": "wrong password " + strconv.Itoa(i)},
			"X-Request-Id", "acct-limit-"+strconv.Itoa(i)+"-xxxxxxxx")
		if i < 10 && last.Status != 401 {
			t.Fatalf("attempt %d: %d", i+1, last.Status)
		}
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" {
		t.Errorf("11th failed sign-in for one apitest.Account: %d (Retry-After %q), want 429", last.Status, last.Header.Get("Retry-After"))
	}
	if r := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password}); r.Status != 429 {
		t.Errorf("the right password while the apitest.Account is limited: %d, want 429", r.Status)
	}
}

// TestNoSecretsInLogs runs a whole session and searches the server's log for every secret it saw.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("lea")
	r := s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh})
	s.Do("GET", "/api/v1/me", a.Access, nil)
	s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": "wrong password here"})
	logs := s.Logs.String()
	if !strings.Contains(logs, `"operation":"refresh"`) || !strings.Contains(logs, a.TenantID) {
		t.Fatalf("the log does not have the request lines this test expects:\n%s", logs)
	}
	for _, secret := range []string{a.Password, "wrong password here", a.Access, a.Refresh, r.JSON(t)["refresh_token"].(string), "tnr_rt_", "eyJ"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret (%.12s...)", secret)
		}
	}
}
