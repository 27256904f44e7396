package auth

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Access-token constants.
const (
	// AccessTokenType is the "typ" header of access tokens (RFC 9068). Verify rejects any other
	// type, so refresh, ID or share JWTs can never pass as access tokens (RFC 8725 §3.11–3.12).
	AccessTokenType = "at+jwt"
	// MaxTokenBytes is the largest token Verify will parse; larger input is rejected unread.
	MaxTokenBytes = 8 << 10
	// Leeway is the clock skew allowed when checking exp, nbf and iat.
	Leeway = 30 * time.Second
)

// allowedHeaders are the only JOSE header parameters an access token may carry. In particular
// jku, x5u, jwk, x5c and crit are rejected: keys come only from the pinned ring.
var allowedHeaders = map[string]bool{"alg": true, "typ": true, "kid": true}

// AccessClaims are the claims of an access token.
type AccessClaims struct {
	UserID    uuid.UUID // "sub"; never uuid.Nil
	TenantID  uuid.UUID // "tid"; uuid.Nil means the token carries no tenant
	Role      string    // "role" in TenantID; empty when there is no tenant
	SessionID uuid.UUID // "sid": the refresh-token family the token was issued from
	// TenantOnly ("tonly") marks a session that may act only within TenantID: opened by that
	// tenant's single sign-on, it must not reach the account's other tenants or its settings.
	TenantOnly bool
	IssuedAt   time.Time // "iat" (and "nbf"); set by Issue
	ExpiresAt  time.Time // "exp"; set by Issue
	ID         string    // "jti"; Issue makes a random one when empty
}

// Tokens issues and verifies HS256 access tokens. Its fields are configuration; set them once and
// do not change them while the value is in use. It is safe for concurrent use.
type Tokens struct {
	Keys     *Keys            // signing keys; required
	Issuer   string           // "iss" of issued tokens, required on verified ones
	Audience string           // "aud" of issued tokens, required on verified ones
	TTL      time.Duration    // lifetime of issued tokens; keep it short (5–15 min)
	Now      func() time.Time // clock; nil means time.Now
}

// Validate reports whether the configuration is complete.
func (t *Tokens) Validate() error {
	switch {
	case t.Keys == nil:
		return errors.New("auth: tokens: no keys")
	case t.Issuer == "":
		return errors.New("auth: tokens: no issuer")
	case t.Audience == "":
		return errors.New("auth: tokens: no audience")
	case t.TTL <= 0:
		return errors.New("auth: tokens: TTL must be positive")
	}
	return nil
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Issue signs an access token for c with the current key and returns it with its expiry. The
// times in c are ignored: the token is issued now (whole seconds) and expires TTL later. An empty
// c.ID is replaced by a random UUID. c.UserID must not be uuid.Nil.
func (t *Tokens) Issue(c AccessClaims) (string, time.Time, error) {
	if err := t.Validate(); err != nil {
		return "", time.Time{}, err
	}
	if c.UserID == uuid.Nil {
		return "", time.Time{}, errors.New("auth: issue token: no user id")
	}
	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	now := t.now().Truncate(time.Second)
	exp := now.Add(t.TTL)
	w := wireClaims{
		Issuer:     t.Issuer,
		Subject:    c.UserID.String(),
		Audience:   jwt.ClaimStrings{t.Audience},
		ExpiresAt:  newStrictDate(exp),
		NotBefore:  newStrictDate(now),
		IssuedAt:   newStrictDate(now),
		ID:         c.ID,
		TenantID:   optionalUUID(c.TenantID),
		Role:       c.Role,
		SessionID:  optionalUUID(c.SessionID),
		TenantOnly: c.TenantOnly,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, &w)
	tok.Header["typ"] = AccessTokenType
	tok.Header["kid"] = t.Keys.current
	key, _ := t.Keys.lookup(t.Keys.current)
	s, err := tok.SignedString(key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: issue token: %w", err)
	}
	if len(s) > MaxTokenBytes {
		return "", time.Time{}, errors.New("auth: issue token: token exceeds MaxTokenBytes")
	}
	return s, exp, nil
}

// Verify checks raw and returns its claims. It accepts only an HS256 token of type at+jwt, at
// most MaxTokenBytes long, whose only headers are alg, typ and kid, signed with the ring's key for
// its kid, with this Tokens' iss and aud, integer exp, nbf and iat valid within Leeway, a non-nil
// UUID sub, and tid and sid absent or non-nil UUIDs. Every failure is ErrInvalidToken, wrapping
// the reason for logs; the reason never needs to reach the client.
func (t *Tokens) Verify(raw string) (AccessClaims, error) {
	c, err := t.verify(raw)
	if err != nil {
		return AccessClaims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return c, nil
}

func (t *Tokens) verify(raw string) (AccessClaims, error) {
	switch {
	case t.Keys == nil || t.Issuer == "" || t.Audience == "":
		return AccessClaims{}, errors.New("verifier not configured")
	case raw == "":
		return AccessClaims{}, errors.New("empty token")
	case len(raw) > MaxTokenBytes:
		return AccessClaims{}, errors.New("token too large")
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.Issuer),
		jwt.WithAudience(t.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(t.now),
	)
	var w wireClaims
	if _, err := p.ParseWithClaims(raw, &w, t.keyFor); err != nil {
		return AccessClaims{}, err
	}
	if w.user == uuid.Nil || w.IssuedAt == nil || w.ExpiresAt == nil {
		return AccessClaims{}, errors.New("claims not validated") // unreachable: Validate ran
	}
	return AccessClaims{
		UserID:     w.user,
		TenantID:   w.tenant,
		Role:       w.Role,
		SessionID:  w.session,
		TenantOnly: w.TenantOnly,
		IssuedAt:   w.IssuedAt.Time,
		ExpiresAt:  w.ExpiresAt.Time,
		ID:         w.ID,
	}, nil
}

// keyFor checks the header and picks the key by kid from the ring; it runs after the algorithm
// check and before the signature check. Header values are untrusted and never echoed.
func (t *Tokens) keyFor(tok *jwt.Token) (any, error) {
	for name := range tok.Header {
		if !allowedHeaders[name] {
			return nil, errors.New("unexpected header parameter")
		}
	}
	if typ, _ := tok.Header["typ"].(string); typ != AccessTokenType {
		return nil, errors.New("wrong token type")
	}
	kid, _ := tok.Header["kid"].(string)
	key, ok := t.Keys.lookup(kid)
	if !ok {
		return nil, errors.New("unknown key id")
	}
	return key, nil
}

// wireClaims is the JSON payload of an access token.
type wireClaims struct {
	Issuer     string           `json:"iss"`
	Subject    string           `json:"sub"`
	Audience   jwt.ClaimStrings `json:"aud"`
	ExpiresAt  *strictDate      `json:"exp"`
	NotBefore  *strictDate      `json:"nbf"`
	IssuedAt   *strictDate      `json:"iat"`
	ID         string           `json:"jti"`
	TenantID   string           `json:"tid,omitempty"`
	Role       string           `json:"role,omitempty"`
	SessionID  string           `json:"sid,omitempty"`
	TenantOnly bool             `json:"tonly,omitempty"`

	// Set by Validate from Subject, TenantID and SessionID.
	user, tenant, session uuid.UUID
}

// GetExpirationTime implements jwt.Claims.
func (w *wireClaims) GetExpirationTime() (*jwt.NumericDate, error) { return w.ExpiresAt.numeric(), nil }

// GetNotBefore implements jwt.Claims.
func (w *wireClaims) GetNotBefore() (*jwt.NumericDate, error) { return w.NotBefore.numeric(), nil }

// GetIssuedAt implements jwt.Claims.
func (w *wireClaims) GetIssuedAt() (*jwt.NumericDate, error) { return w.IssuedAt.numeric(), nil }

// GetIssuer implements jwt.Claims.
func (w *wireClaims) GetIssuer() (string, error) { return w.Issuer, nil }

// GetSubject implements jwt.Claims.
func (w *wireClaims) GetSubject() (string, error) { return w.Subject, nil }

// GetAudience implements jwt.Claims.
func (w *wireClaims) GetAudience() (jwt.ClaimStrings, error) { return w.Audience, nil }

// Validate implements jwt.ClaimsValidator: the checks the library does not make. It also
// parses the ids.
func (w *wireClaims) Validate() error {
	var ok bool
	switch {
	case w.IssuedAt == nil:
		return errors.New("missing iat")
	case w.ID == "":
		return errors.New("missing jti")
	}
	if w.user, ok = canonicalUUID(w.Subject, false); !ok {
		return errors.New("sub is not a user id")
	}
	if w.tenant, ok = canonicalUUID(w.TenantID, true); !ok {
		return errors.New("tid is not a tenant id")
	}
	if w.session, ok = canonicalUUID(w.SessionID, true); !ok {
		return errors.New("sid is not a session id")
	}
	return nil
}

// canonicalUUID parses a non-nil UUID in canonical lowercase hyphenated form; an empty s gives
// uuid.Nil when optional.
func canonicalUUID(s string, optional bool) (uuid.UUID, bool) {
	if s == "" {
		return uuid.Nil, optional
	}
	u, err := uuid.Parse(s)
	if err != nil || u == uuid.Nil || u.String() != s {
		return uuid.Nil, false
	}
	return u, true
}

func optionalUUID(u uuid.UUID) string {
	if u == uuid.Nil {
		return ""
	}
	return u.String()
}

// strictDate is a NumericDate that only decodes from a JSON integer: not a string, a fraction or
// an exponent (jwt.NumericDate accepts "123" as a string).
type strictDate struct{ jwt.NumericDate }

func newStrictDate(t time.Time) *strictDate { return &strictDate{*jwt.NewNumericDate(t)} }

// UnmarshalJSON implements json.Unmarshaler.
func (d *strictDate) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return errors.New("numeric date is not an integer in range")
	}
	d.NumericDate = *jwt.NewNumericDate(time.Unix(n, 0))
	return nil
}

func (d *strictDate) numeric() *jwt.NumericDate {
	if d == nil {
		return nil
	}
	return &d.NumericDate
}
