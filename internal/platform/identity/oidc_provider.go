package identity

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The OpenID Connect relying party: discovery, the token endpoint and ID-token verification
// (OpenID Connect Core 1.0 §3.1.3.7), with the standard library and golang-jwt. Only RS256 ID
// tokens are accepted; keys come only from the provider's jwks_uri (no jku, x5u or embedded jwk).

// maxProviderBody bounds every document read from a provider.
const maxProviderBody = 1 << 20

// idTokenLeeway is the clock skew allowed on an ID token's exp, iat and nbf.
const idTokenLeeway = 30 * time.Second

// providerMeta is what Tenantry reads of a provider's discovery document.
type providerMeta struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

// checkProviderURL accepts https URLs, and http ones on a loopback host (a provider on the same
// machine, in development and tests). No user info, no fragment.
func checkProviderURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "":
		return errors.New("want an absolute https URL without query, fragment or user info")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return errors.New("want an https URL (http only on a loopback address)")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// getJSON fetches url into v; any status but 200 is an error.
func (s *Service) getJSON(ctx context.Context, raw string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	res, err := s.sso.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", raw, res.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(res.Body, maxProviderBody)).Decode(v)
}

// discover reads the provider's discovery document (OpenID Connect Discovery 1.0 §4) and checks
// that it names the configured issuer exactly and https endpoints.
func (s *Service) discover(ctx context.Context, issuer string) (providerMeta, error) {
	var m providerMeta
	if err := s.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &m); err != nil {
		return m, fmt.Errorf("discovery: %w", err)
	}
	if m.Issuer != issuer {
		return m, fmt.Errorf("discovery: the document names issuer %q, not %q", m.Issuer, issuer)
	}
	for _, e := range []string{m.AuthorizationEndpoint, m.TokenEndpoint, m.JWKSURI} {
		if err := checkEndpoint(e); err != nil {
			return m, fmt.Errorf("discovery: endpoint %q: %w", e, err)
		}
	}
	return m, nil
}

// checkEndpoint is checkProviderURL for endpoints, which may carry a query.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	u.RawQuery = ""
	return checkProviderURL(u.String())
}

// tokenResponse is the token endpoint's answer (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
type tokenResponse struct {
	IDToken string `json:"id_token"`
	Error   string `json:"error"`
}

// exchange redeems an authorization code at the token endpoint with the PKCE verifier,
// authenticating the client with client_secret_basic (RFC 6749 §2.3.1), and returns the ID token.
func (s *Service) exchange(ctx context.Context, m providerMeta, c oidcClient, code, verifier string) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {s.oidcRedirectURI()},
		"code_verifier": {verifier}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	res, err := s.sso.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("token endpoint: %w", err)
	}
	defer res.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(io.LimitReader(res.Body, maxProviderBody)).Decode(&tr); err != nil {
		return "", fmt.Errorf("token endpoint: status %d: %w", res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK || tr.IDToken == "" {
		return "", fmt.Errorf("token endpoint: status %d, error %q", res.StatusCode, tr.Error)
	}
	return tr.IDToken, nil
}

// jwk is one RSA key of a JWK set (RFC 7517, RFC 7518 §6.3).
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// rsaKey decodes an RSA signing key; other kinds, encryption keys and small moduli are refused.
func (k jwk) rsaKey() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
		return nil, errors.New("not an RS256 signing key")
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil {
		return nil, errors.New("bad modulus")
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad exponent")
	}
	key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if key.N.BitLen() < 2048 || key.E < 3 {
		return nil, errors.New("key too weak")
	}
	return key, nil
}

// idClaims are the ID-token claims Tenantry reads.
type idClaims struct {
	jwt.RegisteredClaims
	Nonce         string `json:"nonce"`
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"` // a boolean; some providers send "true"
	Name          string `json:"name"`
	AZP           string `json:"azp"`
}

func (c idClaims) verifiedEmail() bool {
	return c.EmailVerified == true || c.EmailVerified == "true"
}

// verifyIDToken checks an ID token's RS256 signature against the provider's JWK set and its iss,
// aud (and azp), exp, iat and nonce.
func (s *Service) verifyIDToken(ctx context.Context, m providerMeta, clientID, nonce, raw string) (idClaims, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := s.getJSON(ctx, m.JWKSURI, &set); err != nil {
		return idClaims{}, fmt.Errorf("jwks: %w", err)
	}
	keyFor := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		for _, k := range set.Keys {
			if kid != "" && k.Kid != kid {
				continue
			}
			if key, err := k.rsaKey(); err == nil {
				return key, nil
			}
		}
		return nil, fmt.Errorf("no RS256 key %q in the provider's JWK set", kid)
	}
	var c idClaims
	_, err := jwt.ParseWithClaims(raw, &c, keyFor, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(m.Issuer),
		jwt.WithAudience(clientID), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(idTokenLeeway))
	switch {
	case err != nil:
		return idClaims{}, fmt.Errorf("id token: %w", err)
	case len(c.Audience) > 1 && c.AZP != clientID:
		return idClaims{}, errors.New("id token: several audiences and azp is not the client")
	case nonce == "" || c.Nonce != nonce:
		return idClaims{}, errors.New("id token: nonce mismatch")
	case c.Subject == "":
		return idClaims{}, errors.New("id token: no subject")
	}
	return c, nil
}

// emailDomain returns the lower-cased domain of an e-mail address, or "" when it has none.
func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 1 || at == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}

// domainAllowed reports whether email's domain is exactly one of allowed (no subdomains).
func domainAllowed(email string, allowed []string) bool {
	d := emailDomain(email)
	return d != "" && slices.Contains(allowed, d)
}
