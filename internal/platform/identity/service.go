package identity

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Service is the identity service.
type Service struct {
	db          *postgres.DB
	hasher      *auth.Hasher
	tokens      *auth.Tokens
	refreshTTL  time.Duration
	inviteTTL   time.Duration
	publicURL   string
	corsOrigins []string // origins besides the service's own that a cookie refresh may come from
	throttle    func(ctx context.Context, account, device string) error
	sessions    *sessions
	sso         SSOConfig
	box         *secretbox.Box // seals secrets at rest: TOTP secrets, SSO client secrets
	log         *slog.Logger
}

// Config configures the service.
type Config struct {
	Tokens     *auth.Tokens  // access-token issuer and verifier (required)
	Hasher     *auth.Hasher  // password hasher (required)
	RefreshTTL time.Duration // lifetime of a refresh token; default 30 days
	InviteTTL  time.Duration // lifetime of an invitation; default 7 days
	PublicURL  string        // base URL of the API, for links in e-mail; default http://127.0.0.1:8080
	// SignInLimit, when set, is asked before every password check for an account (the e-mail as
	// typed) with the known device the attempt comes from ("" for none: throttle.go); an error (a
	// RateLimited one) refuses the attempt before any password work (ratelimit.Service.SignIn).
	SignInLimit func(ctx context.Context, account, device string) error
	SSO         SSOConfig // single sign-on (oidc.go)
	// CORSOrigins are the origins, besides the service's own, whose pages may refresh or end a
	// session through the refresh cookie (cookies.go).
	CORSOrigins []string
	// SecretKey (secretbox.KeySize bytes, required) seals secrets kept at rest: TOTP secrets and
	// SSO client secrets.
	SecretKey []byte
}

// New returns the identity service.
func New(db *postgres.DB, log *slog.Logger, c Config) (*Service, error) {
	if c.Tokens == nil || c.Hasher == nil {
		return nil, errors.New("identity: tokens and hasher are required")
	}
	if err := c.Tokens.Validate(); err != nil {
		return nil, err
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 30 * 24 * time.Hour
	}
	if c.InviteTTL <= 0 {
		c.InviteTTL = 7 * 24 * time.Hour
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://127.0.0.1:8080"
	}
	box, err := secretbox.New(c.SecretKey)
	if err != nil {
		return nil, err
	}
	return &Service{db: db, hasher: c.Hasher, tokens: c.Tokens, refreshTTL: c.RefreshTTL, inviteTTL: c.InviteTTL,
		publicURL: c.PublicURL, corsOrigins: c.CORSOrigins, throttle: c.SignInLimit, sessions: newSessions(), sso: c.SSO.withDefaults(), box: box, log: log}, nil
}

// errBadLogin is the one answer to every failed sign-in: unknown e-mail, wrong password and
// disabled account look the same.
var errBadLogin = errs.E(errs.Unauthorized, "invalid e-mail or password")

// errBadRefresh is the one answer to every refresh token that is not accepted.
var errBadRefresh = errs.E(errs.Unauthorized, "invalid or expired refresh token")

// errBadToken is the one answer to every access token that is not accepted.
var errBadToken = errs.E(errs.Unauthorized, "invalid or expired token")

// Authenticate verifies an access token (httpapi.Authenticator). API keys are not accepted here.
// A token bound to a tenant is accepted only while its session (refresh-token family) and the
// membership are live, and the caller gets the member's current role: the token's role is only a
// hint. Logout, refresh-token reuse, removal and a role change thus apply at the next request.
// The session's state comes from a per-instance cache kept right by the database's notifications
// (sessions.go), so the common request costs no database round trip for it.
func (s *Service) Authenticate(ctx context.Context, c httpapi.Credentials) (httpapi.Caller, error) {
	caller, family, err := s.verifyToken(c)
	if err != nil || caller.Tenant.IsZero() {
		return caller, err
	}
	role, err := s.sessionRole(ctx, caller.Tenant, caller.Principal.UserID, family)
	switch {
	case err != nil:
		return httpapi.Caller{}, err
	case !role.Valid(): // the session or the membership has ended
		return httpapi.Caller{}, errBadToken
	}
	caller.Role = role
	return caller, nil
}

// verifyToken checks an access token's signature and claims and returns the caller they name, with
// the token's role, and the token's session; it reads nothing from the database.
func (s *Service) verifyToken(c httpapi.Credentials) (httpapi.Caller, uuid.UUID, error) {
	if c.Bearer == "" {
		return httpapi.Caller{}, uuid.Nil, errs.E(errs.Unauthorized, "invalid credentials")
	}
	claims, err := s.tokens.Verify(c.Bearer)
	if err != nil {
		return httpapi.Caller{}, uuid.Nil, errs.Wrap(errs.Unauthorized, "invalid or expired token", err)
	}
	caller := httpapi.Caller{
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: tenancy.UserID(claims.UserID), TenantOnly: claims.TenantOnly},
		Tenant:    tenancy.TenantID(claims.TenantID),
		Role:      tenancy.Role(claims.Role),
	}
	if !caller.Tenant.IsZero() && (!caller.Role.Valid() || claims.SessionID == uuid.Nil) {
		return httpapi.Caller{}, uuid.Nil, errBadToken
	}
	return caller, claims.SessionID, nil
}

// userScope returns ctx scoped to tenant for user with role.
func userScope(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID, role tenancy.Role) (context.Context, error) {
	return tenancy.WithScope(ctx, tenancy.Scope{
		Tenant: tenant, Role: role,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: user},
	})
}
