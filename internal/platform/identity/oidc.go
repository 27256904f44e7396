package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Single sign-on with OpenID Connect (authorization code flow with PKCE S256, OpenID Connect Core
// 1.0 §3.1): a tenant's owner configures one provider; anyone starts a sign-in with the tenant's
// slug and comes back through the callback with a code, which is redeemed for an ID token that is
// verified before the user is signed in to that tenant, and only that tenant's provider is ever
// asked about it. Policy (docs/access.md, "Single sign-on").

// SSOConfig configures single sign-on.
type SSOConfig struct {
	// HTTPClient talks to the providers; default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// LoginTTL is how long a started sign-in may take to come back; default 10 minutes.
	LoginTTL time.Duration
}

// withDefaults fills in what c leaves out.
func (c SSOConfig) withDefaults() SSOConfig {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.LoginTTL <= 0 {
		c.LoginTTL = 10 * time.Minute
	}
	return c
}

// oidcStateKind is the opaque-token kind of a sign-in's state: tnr_oidc_...
const oidcStateKind = "oidc"

// SSO is a tenant's OpenID Connect provider as its owners see it; the client secret never leaves
// the server.
type SSO struct {
	Issuer         string
	ClientID       string
	AllowedDomains []string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// SSOUpdate is the provider an owner stores.
type SSOUpdate struct {
	Issuer         string
	ClientID       string
	ClientSecret   string
	AllowedDomains []string
}

// oidcClient is a tenant's client registration, secret opened.
type oidcClient struct {
	issuer, id, secret string
	domains            []string
}

var (
	// errNoSSO answers a sign-in to a tenant without a provider, or to no tenant: the same 404.
	errNoSSO = errs.E(errs.NotFound, "not found")
	// errSSOFailed is the one answer to every callback that is not accepted.
	errSSOFailed = errs.E(errs.Unauthorized, "single sign-on failed; start again")
	// errSSODenied answers an ID token whose e-mail is unverified or outside the allowed domains.
	errSSODenied = errs.E(errs.Forbidden, "this account's e-mail address may not sign in to this tenant")
	// errSSOElsewhere answers a user who belongs to other tenants too (see SignInSSO).
	errSSOElsewhere = errs.E(errs.Forbidden, "this account belongs to other tenants as well; sign in with its password")
)

// domainPattern is an e-mail domain in lower case: labels of letters, digits and inner hyphens.
var domainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

// GetSSO returns the tenant's provider, or NotFound.
func (s *Service) GetSSO(ctx context.Context) (SSO, error) {
	row, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (store.GetOIDCConfigRow, error) {
		return store.New(q).GetOIDCConfig(ctx, tenant)
	})
	if err != nil {
		return SSO{}, fmt.Errorf("identity: get sso: %w", err)
	}
	return SSO{Issuer: row.Issuer, ClientID: row.ClientID, AllowedDomains: row.AllowedDomains, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}, nil
}

// checkSSO validates and normalises an update; errors name the body field.
func checkSSO(u SSOUpdate) (SSOUpdate, error) {
	u.Issuer, u.ClientID = strings.TrimSpace(u.Issuer), strings.TrimSpace(u.ClientID)
	if err := checkProviderURL(u.Issuer); err != nil {
		return u, errs.Invalidf("body.issuer", "%s", err.Error())
	}
	if u.ClientID == "" {
		return u, errs.Invalidf("body.client_id", "must not be blank")
	}
	if strings.TrimSpace(u.ClientSecret) == "" {
		return u, errs.Invalidf("body.client_secret", "must not be blank")
	}
	domains := make([]string, 0, len(u.AllowedDomains))
	for i, d := range u.AllowedDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !domainPattern.MatchString(d) || len(d) > 253 {
			return u, errs.Invalidf(fmt.Sprintf("body.allowed_domains[%d]", i), "not a domain name such as example.com")
		}
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	if len(domains) == 0 {
		return u, errs.Invalidf("body.allowed_domains", "name at least one domain")
	}
	u.AllowedDomains = domains
	return u, nil
}

// PutSSO stores the tenant's provider, replacing any, with the client secret sealed to the tenant.
func (s *Service) PutSSO(ctx context.Context, u SSOUpdate) (SSO, error) {
	u, err := checkSSO(u)
	if err != nil {
		return SSO{}, err
	}
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return SSO{}, err
	}
	sealed, err := s.box.Seal([]byte(u.ClientSecret), secretContext(sc.Tenant))
	if err != nil {
		return SSO{}, fmt.Errorf("identity: put sso: %w", err)
	}
	out := SSO{Issuer: u.Issuer, ClientID: u.ClientID, AllowedDomains: u.AllowedDomains}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		row, err := store.New(q).UpsertOIDCConfig(ctx, store.UpsertOIDCConfigParams{TenantID: sc.Tenant.UUID(),
			Issuer: u.Issuer, ClientID: u.ClientID, ClientSecret: sealed, AllowedDomains: u.AllowedDomains})
		if err != nil {
			return err
		}
		out.CreatedAt, out.UpdatedAt = row.CreatedAt, row.UpdatedAt
		return audit.Record(ctx, q, audit.Event{Action: "sso.oidc.put", TargetType: "oidc_config", TargetID: sc.Tenant.String(),
			Details: map[string]any{"issuer": u.Issuer, "client_id": u.ClientID, "allowed_domains": u.AllowedDomains, "created": row.Created}})
	})
	if err != nil {
		return SSO{}, fmt.Errorf("identity: put sso: %w", err)
	}
	return out, nil
}

// DeleteSSO removes the tenant's provider; sign-ins in flight then fail. NotFound when there is none.
func (s *Service) DeleteSSO(ctx context.Context) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		if n, err := store.New(q).DeleteOIDCConfig(ctx, sc.Tenant.UUID()); err != nil || n == 0 {
			return firstErr(err, errs.ErrNotFound)
		}
		return audit.Record(ctx, q, audit.Event{Action: "sso.oidc.delete", TargetType: "oidc_config", TargetID: sc.Tenant.String()})
	})
	if err != nil {
		return fmt.Errorf("identity: delete sso: %w", err)
	}
	return nil
}

// secretContext binds a sealed client secret to its tenant.
func secretContext(t tenancy.TenantID) []byte {
	return []byte("oidc_configs.client_secret " + t.String())
}

// oidcRedirectURI is the callback address providers send the browser back to.
func (s *Service) oidcRedirectURI() string { return s.publicURL + "/api/v1/auth/oidc/callback" }

// oidcStartURL is where a tenant's users start a sign-in.
func (s *Service) oidcStartURL(slug string) string {
	return s.publicURL + "/api/v1/auth/oidc/start?tenant=" + url.QueryEscape(slug)
}

// anonScope is a scope in tenant for a caller who is not signed in yet.
func anonScope(ctx context.Context, tenant tenancy.TenantID) (context.Context, error) {
	return tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Role: tenancy.RoleViewer,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalAnon}})
}

// client reads the tenant's provider with its secret opened; NotFound when there is none.
func (s *Service) client(ctx context.Context, tenant tenancy.TenantID) (oidcClient, error) {
	row, err := postgres.Get(ctx, s.db, func(q postgres.Querier, t uuid.UUID) (store.GetOIDCConfigRow, error) {
		return store.New(q).GetOIDCConfig(ctx, t)
	})
	if err != nil {
		return oidcClient{}, err
	}
	secret, err := s.box.Open(row.ClientSecret, secretContext(tenant))
	if err != nil {
		return oidcClient{}, fmt.Errorf("identity: sso: client secret: %w", err)
	}
	return oidcClient{issuer: row.Issuer, id: row.ClientID, secret: string(secret), domains: row.AllowedDomains}, nil
}

// randomString is n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// StartSSO begins a sign-in to the tenant with slug: it records the sign-in (state hash, nonce,
// PKCE verifier) and returns the provider's authorization URL to send the browser to. A tenant
// that does not exist, is suspended or has no provider is the same NotFound.
func (s *Service) StartSSO(ctx context.Context, slug string) (string, error) {
	tenant, err := s.tenantBySlug(ctx, slug)
	if err != nil {
		return "", err
	}
	sctx, err := anonScope(ctx, tenant)
	if err != nil {
		return "", err
	}
	c, err := s.client(sctx, tenant)
	if errs.Is(err, errs.NotFound) {
		return "", errNoSSO
	} else if err != nil {
		return "", err
	}
	meta, err := s.discover(ctx, c.issuer)
	if err != nil {
		return "", errs.Wrap(errs.Internal, "the identity provider cannot be reached", err)
	}
	id := tenancy.NewID()
	state, err := auth.NewOpaque(oidcStateKind, auth.PackUUIDs(tenant.UUID(), id))
	if err != nil {
		return "", fmt.Errorf("identity: start sso: %w", err)
	}
	nonce, verifier := randomString(32), randomString(32)
	hash := state.Hash()
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := st.DeleteExpiredOIDCLogins(sctx, tenant.UUID()); err != nil {
			return err
		}
		if err := st.InsertOIDCLogin(sctx, store.InsertOIDCLoginParams{TenantID: tenant.UUID(), ID: id, StateHash: hash[:],
			Nonce: nonce, CodeVerifier: verifier, ExpiresAt: time.Now().Add(s.sso.LoginTTL)}); err != nil {
			return err
		}
		return audit.Record(sctx, q, audit.Event{Action: "auth.oidc_start", TargetType: "oidc_login", TargetID: id.String()})
	})
	if err != nil {
		return "", fmt.Errorf("identity: start sso: %w", err)
	}
	challenge := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {s.oidcRedirectURI()},
		"scope": {"openid email profile"}, "state": {state.Token()}, "nonce": {nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])}, "code_challenge_method": {"S256"}}
	sep := "?"
	if strings.Contains(meta.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	return meta.AuthorizationEndpoint + sep + q.Encode(), nil
}

// ssoLogin is a sign-in that came back: the tenant it started in and what its row held.
type ssoLogin struct {
	tenant   tenancy.TenantID
	nonce    string
	verifier string
}

// takeLogin consumes the sign-in a state names, in a transaction of its own: a state works once,
// whatever happens next. An unknown, forged, used or expired state is errSSOFailed.
func (s *Service) takeLogin(ctx context.Context, raw string) (ssoLogin, error) {
	o, err := auth.ParseOpaque(oidcStateKind, strings.TrimSpace(raw))
	if err != nil {
		return ssoLogin{}, errSSOFailed
	}
	tid, id := auth.UnpackUUIDs(o.Public)
	tenant := tenancy.TenantID(tid)
	sctx, err := anonScope(ctx, tenant)
	if err != nil || id == uuid.Nil {
		return ssoLogin{}, errSSOFailed
	}
	hash := o.Hash()
	var row store.TakeOIDCLoginRow
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		row, err = postgres.One(store.New(q).TakeOIDCLogin(sctx, store.TakeOIDCLoginParams{TenantID: tid, ID: id, StateHash: hash[:]}))
		return err
	})
	switch {
	case errs.Is(err, errs.NotFound):
		return ssoLogin{}, errSSOFailed
	case err != nil:
		return ssoLogin{}, fmt.Errorf("identity: sso callback: %w", err)
	case !row.ExpiresAt.After(time.Now()):
		return ssoLogin{}, errSSOFailed
	}
	return ssoLogin{tenant: tenant, nonce: row.Nonce, verifier: row.CodeVerifier}, nil
}

// SSOCallback finishes a sign-in: it consumes the state, redeems the code at the tenant's provider
// with the PKCE verifier, verifies the ID token (RS256 signature from the provider's JWK set, iss,
// aud, exp, nonce), checks the e-mail (verified, domain allowed) and signs the user in to that
// tenant (SignInSSO). Every refusal is recorded in the security log with its reason.
func (s *Service) SSOCallback(ctx context.Context, state, code string) (Session, error) {
	login, err := s.takeLogin(ctx, state)
	if err != nil {
		if errs.Is(err, errs.Unauthorized) {
			s.securityEvent(ctx, tenancy.UserID{}, "auth.oidc_login", "bad_state")
		}
		return Session{}, err
	}
	sctx, err := anonScope(ctx, login.tenant)
	if err != nil {
		return Session{}, err
	}
	c, err := s.client(sctx, login.tenant)
	if errs.Is(err, errs.NotFound) { // the provider was removed meanwhile
		return Session{}, s.ssoRefused(ctx, "no_provider", errSSOFailed, nil)
	} else if err != nil {
		return Session{}, err
	}
	claims, err := s.redeem(ctx, c, login, code)
	if err != nil {
		return Session{}, s.ssoRefused(ctx, "id_token", errSSOFailed, err)
	}
	switch {
	case !claims.verifiedEmail() || len(claims.Email) > 254:
		return Session{}, s.ssoRefused(ctx, "email_unverified", errSSODenied, nil)
	case !domainAllowed(claims.Email, c.domains):
		return Session{}, s.ssoRefused(ctx, "domain_not_allowed", errSSODenied, nil)
	}
	return s.SignInSSO(ctx, login.tenant, claims.Email, claims.Name)
}

// redeem discovers the provider, exchanges the code and verifies the ID token.
func (s *Service) redeem(ctx context.Context, c oidcClient, login ssoLogin, code string) (idClaims, error) {
	if code == "" {
		return idClaims{}, errors.New("no code")
	}
	meta, err := s.discover(ctx, c.issuer)
	if err != nil {
		return idClaims{}, err
	}
	raw, err := s.exchange(ctx, meta, c, code, login.verifier)
	if err != nil {
		return idClaims{}, err
	}
	return s.verifyIDToken(ctx, meta, c.id, login.nonce, raw)
}

// ssoRefused records a refused sign-in in the security log and logs its cause, then returns answer.
func (s *Service) ssoRefused(ctx context.Context, reason string, answer, cause error) error {
	s.securityEvent(ctx, tenancy.UserID{}, "auth.oidc_login", reason)
	if cause != nil {
		s.log.InfoContext(ctx, "single sign-on refused", "reason", reason, "err", cause)
	}
	return answer
}

// SignInSSO signs in, to tenant, the user whose e-mail address tenant's provider vouched for:
//   - a member of the tenant gets a session with their role;
//   - a user who is not a member yet joins with the viewer role (the least privileged; an admin
//     promotes them), and a new user is created first (with an unusable random password);
//   - a user who belongs to any other tenant is refused: one tenant's provider must never open
//     the way to another tenant (switching tenants needs only the account), so such users sign in
//     with their password;
//   - a disabled account is refused.
func (s *Service) SignInSSO(ctx context.Context, tenant tenancy.TenantID, email, name string) (Session, error) {
	user, exists, err := s.ssoUser(ctx, email)
	if err != nil {
		return Session{}, err
	}
	if exists {
		ms, err := s.Memberships(ctx, user)
		if err != nil {
			return Session{}, err
		}
		for _, m := range ms {
			if m.TenantID != tenant {
				return Session{}, s.ssoRefused(ctx, "member_elsewhere", errSSOElsewhere, nil)
			}
		}
		if len(ms) == 1 {
			if ms[0].Status != "active" {
				return Session{}, errNoSSO
			}
			return s.openSessionReach(ctx, tenant, user, ms[0].Role, "auth.oidc_login", thisTenantOnly)
		}
	}
	return s.joinSSO(ctx, tenant, user, exists, email, name)
}

// ssoUser finds the account of email: its id and true, or a new id and false. A disabled account
// is refused.
func (s *Service) ssoUser(ctx context.Context, email string) (tenancy.UserID, bool, error) {
	c, err := s.userByEmail(ctx, email)
	switch {
	case errs.Is(err, errs.NotFound):
		return tenancy.UserID(tenancy.NewID()), false, nil
	case err != nil:
		return tenancy.UserID{}, false, fmt.Errorf("identity: sso sign-in: %w", err)
	case c.status != "active":
		return tenancy.UserID{}, false, s.ssoRefused(ctx, "disabled", errSSOFailed, nil)
	}
	return c.id, true, nil
}

// joinSSO makes user (created first unless exists) a viewer of tenant and opens a session, in one
// transaction.
func (s *Service) joinSSO(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID, exists bool, email, name string) (Session, error) {
	var hash string
	if !exists {
		var err error
		if hash, err = s.hasher.Hash(ctx, randomString(32)); err != nil {
			return Session{}, fmt.Errorf("identity: sso sign-in: %w", err)
		}
	}
	if name = strings.TrimSpace(name); name == "" || len(name) > 200 {
		name = email[:strings.LastIndexByte(email, '@')]
	}
	role := tenancy.RoleViewer
	sctx, err := userScope(ctx, tenant, user, role)
	if err != nil {
		return Session{}, err
	}
	var sess Session
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		if !exists {
			if err := st.InsertUser(sctx, store.InsertUserParams{ID: user.UUID(), Email: email, Name: name, PasswordHash: hash}); err != nil {
				return concurrentSignIn(err)
			}
		}
		member := tenancy.NewID()
		if err := st.InsertMembership(sctx, store.InsertMembershipParams{TenantID: tenant.UUID(), ID: member, UserID: user.UUID(), Role: string(role)}); err != nil {
			return concurrentSignIn(err)
		}
		if err := webhooks.Emit(sctx, q, webhooks.MemberAdded, MemberEvent{MemberID: member.String(), UserID: user.String(), Role: string(role), Via: "oidc"}); err != nil {
			return err
		}
		family := tenancy.NewID()
		if sess, err = s.issueReach(sctx, q, tenant, user, role, family, uuid.Nil, thisTenantOnly); err != nil {
			return err
		}
		if err := audit.Record(sctx, q, audit.Event{Action: "member.join", TargetType: "user", TargetID: user.String(),
			Details: map[string]any{"role": role, "via": "oidc", "new_user": !exists}}); err != nil {
			return err
		}
		return audit.Record(sctx, q, audit.Event{Action: "auth.oidc_login", TargetType: "session", TargetID: family.String()})
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: sso sign-in: %w", err)
	}
	return sess, nil
}

// concurrentSignIn turns a duplicate key (a concurrent sign-in made the account or the membership
// first) into a Conflict that names nothing.
func concurrentSignIn(err error) error {
	if postgres.IsCode(err, "23505") {
		return errs.E(errs.Conflict, "a concurrent sign-in is under way; try again")
	}
	return err
}

var tenantBySlug = postgres.Register(postgres.CrossTenant{
	Name:  "identity.tenant_by_slug",
	Why:   "single sign-on starts from the tenant's slug before any tenant is known",
	SQL:   `SELECT id, status FROM tenants WHERE slug = $1`,
	Reads: map[string][]string{"tenants": {"id", "slug", "status"}},
})

// tenantBySlug finds an active tenant by its slug; anything else is errNoSSO.
func (s *Service) tenantBySlug(ctx context.Context, slug string) (tenancy.TenantID, error) {
	var id uuid.UUID
	var status string
	err := s.db.CrossTenantRow(ctx, tenantBySlug, []any{strings.TrimSpace(slug)}, &id, &status)
	switch {
	case errs.Is(err, errs.NotFound):
		return tenancy.TenantID{}, errNoSSO
	case err != nil:
		return tenancy.TenantID{}, fmt.Errorf("identity: tenant by slug: %w", err)
	case status != "active":
		return tenancy.TenantID{}, errNoSSO
	}
	return tenancy.TenantID(id), nil
}
