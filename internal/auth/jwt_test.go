package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

var (
	testNow     = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	testKey1    = []byte("k1-0123456789abcdef0123456789abcdef")
	testKey2    = []byte("k2-0123456789abcdef0123456789abcdef")
	testUser    = uuid.MustParse("0193a5b0-7c1e-7000-8000-000000000001")
	testTenant  = uuid.MustParse("0193a5b0-7c1e-7000-8000-000000000002")
	testSession = uuid.MustParse("0193a5b0-7c1e-7000-8000-000000000003")
)

func newTestKeys(t testing.TB, current string) *Keys {
	t.Helper()
	k, err := NewKeys(current, map[string][]byte{"k1": testKey1, "k2": testKey2})
	if err != nil {
		t.Fatalf("NewKeys: %v", err)
	}
	return k
}

func newTestTokens(t testing.TB, keys *Keys) *Tokens {
	return &Tokens{Keys: keys, Issuer: "https://tenantry.test", Audience: "tenantry-api",
		TTL: 15 * time.Minute, Now: func() time.Time { return testNow }}
}

// craft builds a compact JWS from arbitrary header and claims, signed with key by mac (nil for
// an empty signature), so tests can produce tokens the library would never issue.
func craft(header, claims map[string]any, mac func() hash.Hash, key []byte) string {
	enc := func(v map[string]any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(header) + "." + enc(claims)
	var sig []byte
	if mac != nil {
		m := hmac.New(mac, key)
		m.Write([]byte(signing))
		sig = m.Sum(nil)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func baseHeader() map[string]any {
	return map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": "k1"}
}

func baseClaims() map[string]any {
	return map[string]any{
		"iss": "https://tenantry.test", "aud": "tenantry-api", "sub": testUser.String(),
		"iat": testNow.Unix(), "nbf": testNow.Unix(), "exp": testNow.Add(15 * time.Minute).Unix(),
		"jti": "jti-1", "tid": testTenant.String(), "role": "admin", "sid": testSession.String(),
	}
}

// jwtCase is a token defect: edit changes the header and claims of a valid token; token (or
// empty) replaces the whole token instead.
type jwtCase struct {
	name   string
	edit   func(h, c map[string]any)
	mac    func() hash.Hash // default sha256.New
	key    []byte           // default testKey1
	noSig  bool
	token  string
	empty  bool   // the token is the empty string
	reason string // substring of the wrapped error
}

func (tc jwtCase) build() string {
	if tc.token != "" || tc.empty {
		return tc.token
	}
	h, c := baseHeader(), baseClaims()
	if tc.edit != nil {
		tc.edit(h, c)
	}
	mac, key := tc.mac, tc.key
	if mac == nil {
		mac = sha256.New
	}
	if key == nil {
		key = testKey1
	}
	if tc.noSig {
		mac = nil
	}
	return craft(h, c, mac, key)
}

func set(kv ...any) func(h, c map[string]any) {
	return func(h, c map[string]any) {
		for i := 0; i < len(kv); i += 2 {
			name, v := kv[i].(string), kv[i+1]
			target := c
			if header, ok := strings.CutPrefix(name, "h."); ok {
				target, name = h, header
			}
			if v == nil {
				delete(target, name)
			} else {
				target[name] = v
			}
		}
	}
}

// jwtNegativeCases is the C8 suite; every case must fail with ErrInvalidToken.
func jwtNegativeCases() []jwtCase {
	valid := jwtCase{}.build()
	parts := strings.Split(valid, ".")
	secs := func(d time.Duration) int64 { return testNow.Add(d).Unix() }
	return []jwtCase{
		{name: "alg none", edit: set("h.alg", "none"), noSig: true, reason: "signing method"},
		{name: "alg none signed", edit: set("h.alg", "none"), reason: "signing method"},
		{name: "alg None", edit: set("h.alg", "None"), noSig: true},
		{name: "HS512", edit: set("h.alg", "HS512"), mac: sha512.New, reason: "signing method"},
		{name: "HS384", edit: set("h.alg", "HS384"), mac: sha512.New384},
		{name: "RS256 header", edit: set("h.alg", "RS256"), reason: "signing method"},
		{name: "EdDSA header", edit: set("h.alg", "EdDSA")},
		{name: "alg missing", edit: set("h.alg", nil)},
		{name: "wrong key", key: []byte("another-key-0123456789abcdef0123456789"), reason: "signature is invalid"},
		{name: "other ring key under kid k1", key: testKey2, reason: "signature is invalid"},
		{name: "empty key", key: []byte{}},
		{name: "tampered claims", token: parts[0] + "." + base64.RawURLEncoding.EncodeToString(
			[]byte(`{"sub":"`+uuid.NewString()+`"}`)) + "." + parts[2]},
		{name: "no signature", token: parts[0] + "." + parts[1] + "."},
		{name: "unknown kid", edit: set("h.kid", "k9"), reason: "unknown key id"},
		{name: "kid missing", edit: set("h.kid", nil), reason: "unknown key id"},
		{name: "kid empty", edit: set("h.kid", "")},
		{name: "kid number", edit: set("h.kid", 1)},
		{name: "kid SQL", edit: set("h.kid", "k1' OR '1'='1"), reason: "unknown key id"},
		{name: "kid SQL comment", edit: set("h.kid", "x'; DROP TABLE keys;--")},
		{name: "kid path", edit: set("h.kid", "../../../../dev/null"), reason: "unknown key id"},
		{name: "kid null byte", edit: set("h.kid", "k1\x00")},
		{name: "jku", edit: set("h.jku", "https://evil.test/jwks.json"), reason: "header"},
		{name: "x5u", edit: set("h.x5u", "https://evil.test/cert.pem")},
		{name: "jwk", edit: set("h.jwk", map[string]any{"kty": "oct", "k": "AAAA"}), reason: "header"},
		{name: "x5c", edit: set("h.x5c", []string{"MIIB"})},
		{name: "crit", edit: set("h.crit", []string{"exp"})},
		{name: "typ JWT", edit: set("h.typ", "JWT"), reason: "wrong token type"},
		{name: "typ rt+jwt", edit: set("h.typ", "rt+jwt"), reason: "wrong token type"},
		{name: "typ share", edit: set("h.typ", "shr+jwt")},
		{name: "typ upper", edit: set("h.typ", "AT+JWT")},
		{name: "typ missing", edit: set("h.typ", nil)},
		{name: "expired beyond leeway", edit: set("iat", secs(-20*time.Minute), "nbf",
			secs(-20*time.Minute), "exp", secs(-31*time.Second)), reason: "expired"},
		{name: "nbf in the future", edit: set("nbf", secs(31*time.Second)), reason: "not valid yet"},
		{name: "iat in the future", edit: set("iat", secs(time.Hour)), reason: "used before issued"},
		{name: "missing exp", edit: set("exp", nil), reason: "exp claim is required"},
		{name: "missing nbf", edit: set("nbf", nil)},
		{name: "missing iat", edit: set("iat", nil), reason: "missing iat"},
		{name: "exp string", edit: set("exp", fmt.Sprint(secs(time.Hour))), reason: "numeric date"},
		{name: "exp fraction", edit: set("exp", float64(secs(time.Hour))+0.5)},
		{name: "exp exponent", edit: set("exp", json.Number("1.8e9"))},
		{name: "exp bool", edit: set("exp", true)},
		{name: "exp null", edit: set("exp", json.RawMessage("null"))},
		{name: "exp negative", edit: set("exp", -1)},
		{name: "wrong iss", edit: set("iss", "https://evil.test"), reason: "issuer"},
		{name: "missing iss", edit: set("iss", nil)},
		{name: "iss array", edit: set("iss", []string{"https://tenantry.test"})},
		{name: "wrong aud", edit: set("aud", "other-api"), reason: "audience"},
		{name: "aud list without ours", edit: set("aud", []string{"a", "b"})},
		{name: "missing aud", edit: set("aud", nil)},
		{name: "sub not a uuid", edit: set("sub", "admin"), reason: "sub"},
		{name: "sub nil uuid", edit: set("sub", uuid.Nil.String())},
		{name: "sub upper-case uuid", edit: set("sub", strings.ToUpper(testUser.String()))},
		{name: "sub urn uuid", edit: set("sub", "urn:uuid:"+testUser.String())},
		{name: "sub missing", edit: set("sub", nil)},
		{name: "sub number", edit: set("sub", 42)},
		{name: "tid not a uuid", edit: set("tid", "acme"), reason: "tid"},
		{name: "tid nil uuid", edit: set("tid", uuid.Nil.String())},
		{name: "sid not a uuid", edit: set("sid", "1' OR 1=1"), reason: "sid"},
		{name: "jti missing", edit: set("jti", nil)},
		{name: "role object", edit: set("role", map[string]any{"admin": true})},
		{name: "2 parts", token: parts[0] + "." + parts[1], reason: "segments"},
		{name: "4 parts", token: valid + "." + parts[2]},
		{name: "1 part", token: parts[0]},
		{name: "empty", empty: true, reason: "empty"},
		{name: "whitespace", token: " "},
		{name: "Bearer prefix", token: "Bearer " + valid},
		{name: "padded base64", token: parts[0] + "==." + parts[1] + "." + parts[2]},
		{name: "std base64 chars", token: strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/"},
		{name: "header not json", token: base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[1] + "." + parts[2]},
		{name: "over 8 KiB", edit: set("role", strings.Repeat("a", MaxTokenBytes)), reason: "too large"},
		{name: "over 8 KiB garbage", token: strings.Repeat("a", MaxTokenBytes+1)},
	}
}

func TestVerifyJWTNegative(t *testing.T) {
	t.Parallel()
	tok := newTestTokens(t, newTestKeys(t, "k1"))
	if c, err := tok.Verify(jwtCase{}.build()); err != nil || c.UserID != testUser {
		t.Fatalf("control token does not verify: %+v, %v", c, err)
	}
	for _, tc := range jwtNegativeCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := tok.Verify(tc.build())
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Verify = %+v, %v; want ErrInvalidToken", c, err)
			}
			if c != (AccessClaims{}) {
				t.Errorf("claims returned with error: %+v", c)
			}
			if tc.reason != "" && !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q does not mention %q", err, tc.reason)
			}
		})
	}
}

func TestVerifyJWTLeeway(t *testing.T) {
	t.Parallel()
	tok := newTestTokens(t, newTestKeys(t, "k1"))
	secs := func(d time.Duration) int64 { return testNow.Add(d).Unix() }
	for _, tc := range []jwtCase{
		{name: "expired within leeway", edit: set("iat", secs(-20*time.Minute), "nbf",
			secs(-20*time.Minute), "exp", secs(-29*time.Second))},
		{name: "nbf within leeway", edit: set("nbf", secs(29*time.Second))},
		{name: "iat within leeway", edit: set("iat", secs(29*time.Second))},
		{name: "no tenant, no session, no role", edit: set("tid", nil, "sid", nil, "role", nil)},
		{name: "aud list with ours", edit: set("aud", []string{"other", "tenantry-api"})},
	} {
		if _, err := tok.Verify(tc.build()); err != nil {
			t.Errorf("%s: Verify: %v", tc.name, err)
		}
	}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	tok := newTestTokens(t, newTestKeys(t, "k1"))
	tests := []struct {
		name string
		in   AccessClaims
	}{
		{"tenant member", AccessClaims{UserID: testUser, TenantID: testTenant, Role: "owner",
			SessionID: testSession, ID: "fixed-jti"}},
		{"no tenant", AccessClaims{UserID: testUser, SessionID: testSession}},
		{"times ignored", AccessClaims{UserID: testUser, IssuedAt: time.Unix(1, 0),
			ExpiresAt: time.Unix(2, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, exp, err := tok.Issue(tt.in)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			got, err := tok.Verify(raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := tt.in
			want.IssuedAt, want.ExpiresAt = testNow, testNow.Add(15*time.Minute)
			if want.ID == "" {
				if _, err := uuid.Parse(got.ID); err != nil {
					t.Errorf("generated jti %q is not a UUID", got.ID)
				}
				want.ID = got.ID
			}
			if !got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) || !exp.Equal(want.ExpiresAt) {
				t.Errorf("times = %v, %v (exp %v); want %v, %v", got.IssuedAt, got.ExpiresAt, exp, want.IssuedAt, want.ExpiresAt)
			}
			got.IssuedAt, got.ExpiresAt, want.IssuedAt, want.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if got != want {
				t.Errorf("Verify = %+v, want %+v", got, want)
			}
		})
	}
}

// TestIssuedShape checks the header and registered claims a client sees.
func TestIssuedShape(t *testing.T) {
	t.Parallel()
	tok := newTestTokens(t, newTestKeys(t, "k1"))
	raw, _, err := tok.Issue(AccessClaims{UserID: testUser, Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	var header, claims map[string]any
	for i, v := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	wantHeader := map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": "k1"}
	if !maps.Equal(header, wantHeader) {
		t.Errorf("header = %v, want %v", header, wantHeader)
	}
	for _, name := range []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "role"} {
		if _, ok := claims[name]; !ok {
			t.Errorf("claim %q missing from %v", name, claims)
		}
	}
	for _, name := range []string{"tid", "sid"} {
		if _, ok := claims[name]; ok {
			t.Errorf("claim %q present for a nil id", name)
		}
	}
}

func TestIssueErrors(t *testing.T) {
	t.Parallel()
	keys := newTestKeys(t, "k1")
	good := *newTestTokens(t, keys)
	tests := []struct {
		name string
		edit func(*Tokens)
		c    AccessClaims
	}{
		{"nil user", func(*Tokens) {}, AccessClaims{}},
		{"no keys", func(t *Tokens) { t.Keys = nil }, AccessClaims{UserID: testUser}},
		{"no issuer", func(t *Tokens) { t.Issuer = "" }, AccessClaims{UserID: testUser}},
		{"no audience", func(t *Tokens) { t.Audience = "" }, AccessClaims{UserID: testUser}},
		{"no TTL", func(t *Tokens) { t.TTL = 0 }, AccessClaims{UserID: testUser}},
		{"oversized", func(*Tokens) {}, AccessClaims{UserID: testUser, Role: strings.Repeat("r", MaxTokenBytes)}},
	}
	for _, tt := range tests {
		tok := good
		tt.edit(&tok)
		if s, _, err := tok.Issue(tt.c); err == nil {
			t.Errorf("%s: Issue = %q, want an error", tt.name, s)
		}
	}
	var zero Tokens
	if _, err := zero.Verify(jwtCase{}.build()); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("zero Tokens Verify = %v, want ErrInvalidToken", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	before := newTestTokens(t, newTestKeys(t, "k1"))
	oldToken, _, err := before.Issue(AccessClaims{UserID: testUser})
	if err != nil {
		t.Fatal(err)
	}
	// Rotate: k2 becomes current, k1 stays in the ring until old tokens expire.
	during := newTestTokens(t, newTestKeys(t, "k2"))
	newToken, _, err := during.Issue(AccessClaims{UserID: testUser})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mustDecodeSegment(t, newToken, 0)), `"kid":"k2"`) {
		t.Errorf("new token not signed with k2")
	}
	for name, raw := range map[string]string{"old": oldToken, "new": newToken} {
		if _, err := during.Verify(raw); err != nil {
			t.Errorf("%s token during rotation: %v", name, err)
		}
	}
	// Retire k1.
	onlyK2, err := NewKeys("k2", map[string][]byte{"k2": testKey2})
	if err != nil {
		t.Fatal(err)
	}
	after := newTestTokens(t, onlyK2)
	if _, err := after.Verify(oldToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("k1 token after retiring k1: %v, want ErrInvalidToken", err)
	}
	if _, err := after.Verify(newToken); err != nil {
		t.Errorf("k2 token after retiring k1: %v", err)
	}
}

func mustDecodeSegment(t *testing.T, raw string, i int) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewKeys(t *testing.T) {
	t.Parallel()
	long := make([]byte, MinKeyBytes)
	tests := []struct {
		name    string
		current string
		keys    map[string][]byte
		ok      bool
	}{
		{"one key", "a", map[string][]byte{"a": long}, true},
		{"two keys", "2026-11_b", map[string][]byte{"a": long, "2026-11_b": long}, true},
		{"current missing", "b", map[string][]byte{"a": long}, false},
		{"empty ring", "a", nil, false},
		{"short key", "a", map[string][]byte{"a": long[:MinKeyBytes-1]}, false},
		{"short old key", "a", map[string][]byte{"a": long, "b": []byte("secret")}, false},
		{"empty kid", "", map[string][]byte{"": long}, false},
		{"kid with dot", "a.b", map[string][]byte{"a.b": long}, false},
		{"kid with slash", "a/b", map[string][]byte{"a/b": long}, false},
		{"kid with quote", "a'", map[string][]byte{"a'": long}, false},
		{"kid too long", strings.Repeat("a", 65), map[string][]byte{strings.Repeat("a", 65): long}, false},
	}
	for _, tt := range tests {
		if _, err := NewKeys(tt.current, tt.keys); (err == nil) != tt.ok {
			t.Errorf("%s: NewKeys error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	// The ring copies its keys: changing the caller's slice changes nothing.
	key := []byte(string(testKey1))
	ring, err := NewKeys("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	tok := newTestTokens(t, ring)
	raw, _, err := tok.Issue(AccessClaims{UserID: testUser})
	if err != nil {
		t.Fatal(err)
	}
	key[0] ^= 0xff
	if _, err := tok.Verify(raw); err != nil {
		t.Errorf("Verify after caller changed its key slice: %v", err)
	}
}

func TestKeysRedacted(t *testing.T) {
	t.Parallel()
	keys := newTestKeys(t, "k1")
	tok := newTestTokens(t, keys)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for name, v := range map[string]any{"Keys": *keys, "*Keys": keys, "Tokens": *tok, "*Tokens": tok} {
			out := fmt.Sprintf(verb, v)
			assertNoSecret(t, name+" "+verb, out, testKey1, testKey2)
		}
	}
	if s := keys.String(); !strings.Contains(s, `"k1"`) || !strings.Contains(s, "REDACTED") {
		t.Errorf("String = %q, want key ids and REDACTED", s)
	}
	assertNoSecret(t, "LogValue", keys.LogValue().String(), testKey1, testKey2)
}

// assertNoSecret fails if out contains any secret as text, hex or base64.
func assertNoSecret(t *testing.T, what, out string, secrets ...[]byte) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range []string{string(s), fmt.Sprintf("%x", s), fmt.Sprintf("%X", s),
			base64.RawStdEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(s),
			strings.Trim(fmt.Sprint(s), "[]")} { //nolint:staticcheck // QF1010: the decimal byte list is the point
			if strings.Contains(out, form) {
				t.Errorf("%s leaks a secret: %s", what, out)
				return
			}
		}
	}
}

func FuzzVerifyJWT(f *testing.F) {
	tok := newTestTokens(f, newTestKeys(f, "k1"))
	f.Add(jwtCase{}.build())
	if raw, _, err := tok.Issue(AccessClaims{UserID: testUser, TenantID: testTenant}); err == nil {
		f.Add(raw)
	}
	for _, tc := range jwtNegativeCases() {
		if len(tc.build()) < 1024 {
			f.Add(tc.build())
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := tok.Verify(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) || c != (AccessClaims{}) {
				t.Fatalf("Verify = %+v, %v; want zero claims and ErrInvalidToken", c, err)
			}
			return
		}
		if c.UserID == uuid.Nil || c.ExpiresAt.IsZero() {
			t.Fatalf("accepted token with incomplete claims: %+v", c)
		}
	})
}

func BenchmarkVerifyJWT(b *testing.B) {
	tok := newTestTokens(b, newTestKeys(b, "k1"))
	raw, _, err := tok.Issue(AccessClaims{UserID: testUser, TenantID: testTenant, Role: "admin", SessionID: testSession})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.Verify(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueJWT(b *testing.B) {
	tok := newTestTokens(b, newTestKeys(b, "k1"))
	c := AccessClaims{UserID: testUser, TenantID: testTenant, Role: "admin", SessionID: testSession}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tok.Issue(c); err != nil {
			b.Fatal(err)
		}
	}
}
