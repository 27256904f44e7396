package identity_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fakeIdP is a small OpenID Connect provider for the tests, speaking the real protocol over HTTP:
// discovery, a JWK set, an authorization endpoint that redirects back at once with a code for
// the identity the test chose, and a token endpoint that checks the client's credentials, the
// redirect URI and the PKCE verifier before it issues an RS256 ID token.
type fakeIdP struct {
	t                    *testing.T
	srv                  *httptest.Server
	clientID, secret     string
	key, otherKey        *rsa.PrivateKey
	mu                   sync.Mutex
	identity             map[string]any       // claims of the next sign-in: email, email_verified, name
	tamper               func(map[string]any) // changes the next ID token's claims, if set
	signWithOther        bool                 // sign the next ID token with a key outside the JWK set
	codes                map[string]fakeCode  // issued, unused codes
	tokenCalls, refusals int                  // token endpoint requests, and those it refused
	authorized           []url.Values         // the authorization requests, in order
}

type fakeCode struct {
	challenge, nonce, redirect string
}

var (
	keyOnce        sync.Once
	keyA, keyOther *rsa.PrivateKey
)

// rsaKeys are made once per test binary (2048-bit generation is slow).
func rsaKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if keyA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if keyOther, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return keyA, keyOther
}

func startIdP(t *testing.T, clientID, secret string) *fakeIdP {
	t.Helper()
	k, other := rsaKeys(t)
	f := &fakeIdP{t: t, clientID: clientID, secret: secret, key: k, otherKey: other, codes: map[string]fakeCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /jwks", f.jwks)
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// issuer is the provider's issuer (its base URL, on 127.0.0.1).
func (f *fakeIdP) issuer() string { return f.srv.URL }

// next sets the identity of the next sign-in, and resets the tampering.
func (f *fakeIdP) next(email string, verified bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.identity = map[string]any{"email": email, "email_verified": verified, "name": "Signed In"}
	f.tamper, f.signWithOther = nil, false
}

func (f *fakeIdP) calls() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls, f.refusals
}

// authorizations counts the authorization requests the provider received.
func (f *fakeIdP) authorizations() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.authorized)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeIdP) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, map[string]any{
		"issuer": f.issuer(), "authorization_endpoint": f.issuer() + "/authorize", "token_endpoint": f.issuer() + "/token",
		"jwks_uri": f.issuer() + "/jwks", "response_types_supported": []string{"code"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (f *fakeIdP) jwks(w http.ResponseWriter, _ *http.Request) {
	pub := f.key.PublicKey
	writeJSON(w, 200, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authorize checks the request and redirects back with a code, as a provider does once its user
// has signed in.
func (f *fakeIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.authorized = append(f.authorized, q)
	f.mu.Unlock()
	if q.Get("response_type") != "code" || q.Get("client_id") != f.clientID || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" || q.Get("redirect_uri") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	code := base64.RawURLEncoding.EncodeToString(raw)
	f.mu.Lock()
	f.codes[code] = fakeCode{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri")}
	f.mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

// token redeems a code: client credentials (client_secret_basic), the code, its redirect URI and
// the PKCE verifier must all match, once.
func (f *fakeIdP) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenCalls++
	refuse := func(code string) {
		f.refusals++
		writeJSON(w, 400, map[string]any{"error": code})
	}
	id, secret, ok := r.BasicAuth()
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if !ok || id != f.clientID || secret != f.secret {
		refuse("invalid_client")
		return
	}
	c, known := f.codes[r.PostFormValue("code")]
	delete(f.codes, r.PostFormValue("code"))
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case r.PostFormValue("grant_type") != "authorization_code", !known, r.PostFormValue("redirect_uri") != c.redirect,
		base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		refuse("invalid_grant")
		return
	}
	now := time.Now()
	claims := jwt.MapClaims{"iss": f.issuer(), "aud": f.clientID, "sub": "sub-" + f.identity["email"].(string),
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": c.nonce}
	for k, v := range f.identity {
		claims[k] = v
	}
	if f.tamper != nil {
		f.tamper(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "k1"
	key := f.key
	if f.signWithOther {
		key = f.otherKey
	}
	signed, err := tok.SignedString(key)
	if err != nil {
		f.t.Errorf("fake idp: sign: %v", err)
		return
	}
	writeJSON(w, 200, map[string]any{"access_token": "at-" + signed[:8], "token_type": "Bearer", "expires_in": 300, "id_token": signed})
}
