package identity

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Service is the identity service.
type Service struct {
	db         *postgres.DB
	hasher     *auth.Hasher
	tokens     *auth.Tokens
	refreshTTL time.Duration
	inviteTTL  time.Duration
	publicURL  string
	accountCap func(context.Context, string) error
	log        *slog.Logger
}

// Config configures the service.
type Config struct {
	Tokens     *auth.Tokens  // access-token issuer and verifier (required)
	Hasher     *auth.Hasher  // password hasher (required)
	RefreshTTL time.Duration // lifetime of a refresh token; default 30 days
	InviteTTL  time.Duration // lifetime of an invitation; default 7 days
	PublicURL  string        // base URL of the API, for links in e-mail; default http://127.0.0.1:8080
	// AccountLimit, when set, is asked before every password check for an account (the e-mail as
	// typed); an error (a RateLimited one) refuses the attempt before any password work.
	AccountLimit func(ctx context.Context, account string) error
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
	return &Service{db: db, hasher: c.Hasher, tokens: c.Tokens, refreshTTL: c.RefreshTTL, inviteTTL: c.InviteTTL,
		publicURL: c.PublicURL, accountCap: c.AccountLimit, log: log}, nil
}

// errBadLogin is the one answer to every failed sign-in: unknown e-mail, wrong password and
// disabled account look the same.
var errBadLogin = errs.E(errs.Unauthorized, "invalid e-mail or password")

// errBadRefresh is the one answer to every refresh token that is not accepted.
var errBadRefresh = errs.E(errs.Unauthorized, "invalid or expired refresh token")

// Authenticate verifies an access token (httpapi.Authenticator). API keys are not accepted here.
func (s *Service) Authenticate(ctx context.Context, c httpapi.Credentials) (httpapi.Caller, error) {
	if c.Bearer == "" {
		return httpapi.Caller{}, errs.E(errs.Unauthorized, "invalid credentials")
	}
	claims, err := s.tokens.Verify(c.Bearer)
	if err != nil {
		return httpapi.Caller{}, errs.Wrap(errs.Unauthorized, "invalid or expired token", err)
	}
	caller := httpapi.Caller{
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: tenancy.UserID(claims.UserID)},
		Tenant:    tenancy.TenantID(claims.TenantID),
		Role:      tenancy.Role(claims.Role),
	}
	if !caller.Tenant.IsZero() && !caller.Role.Valid() {
		return httpapi.Caller{}, errs.E(errs.Unauthorized, "invalid or expired token")
	}
	return caller, nil
}

// userScope returns ctx scoped to tenant for user with role.
func userScope(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID, role tenancy.Role) (context.Context, error) {
	return tenancy.WithScope(ctx, tenancy.Scope{
		Tenant: tenant, Role: role,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: user},
	})
}
