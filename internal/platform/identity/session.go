package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// refreshKind is the opaque-token kind of refresh tokens: tnr_rt_...
const refreshKind = "rt"

// Session is a signed-in session: a short-lived access token and, when a tenant is selected, the
// refresh token that renews it.
type Session struct {
	AccessToken  string    `json:"access_token" doc:"Short-lived access JWT; send as Authorization: Bearer"`
	TokenType    string    `json:"token_type" example:"Bearer"`
	ExpiresAt    time.Time `json:"expires_at" doc:"When the access token expires"`
	RefreshToken string    `json:"refresh_token,omitempty" doc:"Opaque, single-use refresh token; absent when no tenant is selected"`
	TenantID     string    `json:"tenant_id,omitempty" doc:"The tenant the access token is bound to"`
	Role         string    `json:"role,omitempty" doc:"The caller's role in that tenant"`
	// SecondFactor, from Login only, is set instead of the tokens when the user has a second
	// factor: CompleteSignIn exchanges it and a code for the session.
	SecondFactor *Challenge `json:"-"`
	DeviceToken  string     `json:"device_token,omitempty" doc:"After a sign-in with a password: keep it and send it with this account's next sign-ins from this device, which then no guessing elsewhere can slow down"`
}

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Email    string
	Password string
	Tenant   string // optional tenant slug to sign in to; default: the first membership by name
	Device   string // optional device token from an earlier sign-in to this account (throttle.go)
}

// Login verifies the password and opens a session. Unknown e-mail, wrong password and a disabled
// account give the same error after the same work (one Argon2id verification).
func (s *Service) Login(ctx context.Context, r LoginRequest) (Session, error) {
	if err := s.throttleSignIn(ctx, r.Email, r.Device); err != nil {
		return Session{}, err
	}
	user, err := s.authenticatePassword(ctx, strings.TrimSpace(r.Email), r.Password)
	if err != nil {
		return Session{}, err
	}
	if ch, err := s.secondFactorChallenge(ctx, user, r.Tenant); err != nil || ch != nil {
		return Session{SecondFactor: ch}, err
	}
	sess, err := s.signIn(ctx, user, r.Tenant)
	if err != nil {
		return Session{}, err
	}
	// The device becomes known after a sign-in with the password alone; with a second factor the
	// device token is not issued (CompleteSignIn does not know the e-mail as typed).
	sess.DeviceToken = s.deviceToken(r.Email)
	return sess, nil
}

// signIn opens the session of a user who proved who they are, in the tenant slug names or, for "",
// their first active membership.
func (s *Service) signIn(ctx context.Context, user tenancy.UserID, slug string) (Session, error) {
	ms, err := s.Memberships(ctx, user)
	if err != nil {
		return Session{}, err
	}
	m, ok := chooseMembership(ms, slug)
	if !ok && slug != "" {
		return Session{}, errs.E(errs.Forbidden, "you are not a member of that tenant")
	}
	if !ok { // a user without any (active) membership gets an access token that reaches no tenant
		tok, exp, err := s.tokens.Issue(auth.AccessClaims{UserID: user.UUID()})
		if err == nil {
			err = audit.RecordSecurity(ctx, s.db, user, audit.Event{Action: "auth.login", Details: map[string]any{"tenant": "none"}})
		}
		if err != nil {
			return Session{}, fmt.Errorf("identity: login: %w", err)
		}
		return Session{AccessToken: tok, TokenType: "Bearer", ExpiresAt: exp}, nil
	}
	return s.openSession(ctx, m.TenantID, user, m.Role, "auth.login")
}

func (s *Service) authenticatePassword(ctx context.Context, email, password string) (tenancy.UserID, error) {
	c, err := s.userByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		if err := s.hasher.VerifyDummy(ctx, password); err != nil { // busy (503) like a known account's
			return tenancy.UserID{}, fmt.Errorf("identity: login: %w", err)
		}
		s.securityEvent(ctx, tenancy.UserID{}, "auth.login", "unknown_user")
		return tenancy.UserID{}, errBadLogin
	}
	if err != nil {
		return tenancy.UserID{}, fmt.Errorf("identity: login: %w", err)
	}
	ok, err := s.hasher.Verify(ctx, c.hash, password)
	if err != nil {
		return tenancy.UserID{}, fmt.Errorf("identity: login: %w", err)
	}
	if !ok || c.status != "active" || !c.verified {
		s.securityEvent(ctx, c.id, "auth.login", "bad_password_or_disabled")
		return tenancy.UserID{}, errBadLogin
	}
	return c.id, nil
}

func (s *Service) securityEvent(ctx context.Context, user tenancy.UserID, action, reason string) {
	err := audit.RecordSecurity(ctx, s.db, user, audit.Event{Action: action, Outcome: audit.Failure, Details: map[string]any{"reason": reason}})
	if err != nil {
		s.log.ErrorContext(ctx, "security event not recorded", "action", action, "err", err)
	}
}

func chooseMembership(ms []Membership, slug string) (Membership, bool) {
	for _, m := range ms {
		if m.Status == "active" && (slug == "" || m.Slug == slug) {
			return m, true
		}
	}
	return Membership{}, false
}

// SwitchTenant opens a session in another tenant the user belongs to. A tenant the user does not
// belong to is not found, whether or not it exists.
func (s *Service) SwitchTenant(ctx context.Context, user tenancy.UserID, tenant tenancy.TenantID) (Session, error) {
	ms, err := s.Memberships(ctx, user)
	if err != nil {
		return Session{}, err
	}
	for _, m := range ms {
		if m.TenantID == tenant && m.Status == "active" {
			return s.openSession(ctx, m.TenantID, user, m.Role, "auth.switch_tenant")
		}
	}
	return Session{}, errs.ErrNotFound
}

// openSession starts a new refresh-token family in tenant and records action in its audit log.
func (s *Service) openSession(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID, role tenancy.Role, action string) (Session, error) {
	return s.openSessionReach(ctx, tenant, user, role, action, anyTenant)
}

// openSessionReach is openSession for a session of the given reach.
func (s *Service) openSessionReach(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID, role tenancy.Role, action string, r reach) (Session, error) {
	sctx, err := userScope(ctx, tenant, user, role)
	if err != nil {
		return Session{}, err
	}
	var sess Session
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		family := tenancy.NewID()
		if sess, err = s.issueReach(sctx, q, tenant, user, role, family, uuid.Nil, r); err != nil {
			return err
		}
		return audit.Record(sctx, q, audit.Event{Action: action, TargetType: "session", TargetID: family.String()})
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: open session: %w", err)
	}
	return sess, nil
}

// issue stores a new refresh token of family (child of parent, if any) and signs an access token,
// for a session that reaches every tenant of the account.
func (s *Service) issue(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID, user tenancy.UserID, role tenancy.Role, family, parent uuid.UUID) (Session, error) {
	return s.issueReach(ctx, q, tenant, user, role, family, parent, anyTenant)
}

// issueReach is issue for a session of the given reach, kept on the refresh token (so a rotation
// keeps it) and in the access token's claims.
func (s *Service) issueReach(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID, user tenancy.UserID, role tenancy.Role, family, parent uuid.UUID, r reach) (Session, error) {
	id := tenancy.NewID()
	rt, err := auth.NewOpaque(refreshKind, auth.PackUUIDs(tenant.UUID(), id))
	if err != nil {
		return Session{}, fmt.Errorf("identity: issue: %w", err)
	}
	hash := rt.Hash()
	err = store.New(q).InsertRefreshToken(ctx, store.InsertRefreshTokenParams{
		TenantID: tenant.UUID(), ID: id, FamilyID: family, ParentID: uuid.NullUUID{UUID: parent, Valid: parent != uuid.Nil},
		UserID: user.UUID(), TokenHash: hash[:], ExpiresAt: time.Now().Add(s.refreshTTL), TenantOnly: bool(r),
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: issue: %w", err)
	}
	access, exp, err := s.tokens.Issue(auth.AccessClaims{UserID: user.UUID(), TenantID: tenant.UUID(), Role: string(role), SessionID: family, TenantOnly: bool(r)})
	if err != nil {
		return Session{}, fmt.Errorf("identity: issue: %w", err)
	}
	return Session{AccessToken: access, TokenType: "Bearer", ExpiresAt: exp, RefreshToken: rt.Token(), TenantID: tenant.String(), Role: string(role)}, nil
}

// tenantToken is a parsed opaque token that names a tenant and one of its rows (refresh, reset,
// verification and address-change tokens): the tenant, the row's id and the token's hash.
type tenantToken struct {
	tenant tenancy.TenantID
	id     uuid.UUID
	hash   [32]byte
}

// parseTenantToken reads raw as a tenant token of kind; ok is false for anything else, so the
// caller answers it as it answers an unknown token.
func parseTenantToken(kind, raw string) (t tenantToken, ok bool) {
	o, err := auth.ParseOpaque(kind, strings.TrimSpace(raw))
	if err != nil {
		return tenantToken{}, false
	}
	tenant, id := auth.UnpackUUIDs(o.Public)
	if tenant == uuid.Nil || id == uuid.Nil {
		return tenantToken{}, false
	}
	return tenantToken{tenant: tenancy.TenantID(tenant), id: id, hash: o.Hash()}, true
}

func parseRefresh(raw string) (tenantToken, error) {
	t, ok := parseTenantToken(refreshKind, raw)
	if !ok {
		return tenantToken{}, errBadRefresh
	}
	return t, nil
}

// reusedError is returned inside the refresh transaction after the family of user's session was
// revoked: the transaction commits (the revocation must stick) and the caller gets errBadRefresh.
type reusedError struct{ user uuid.UUID }

func (reusedError) Error() string { return "identity: refresh token reused" }

// Refresh rotates a refresh token: the presented token is used up and a new one of the same family
// is returned with a new access token. Presenting a token that was already used revokes the whole
// family and is recorded as a security event in the tenant's audit log. There is no grace window:
// clients must not refresh concurrently with the same token.
func (s *Service) Refresh(ctx context.Context, raw string) (Session, error) {
	rt, err := parseRefresh(raw)
	if err != nil {
		return Session{}, err
	}
	// The tenant comes from the token; the row is then found (or not) under that tenant's scope,
	// and the secret's hash must match, so a forged tenant id finds nothing.
	sctx, err := userScope(ctx, rt.tenant, tenancy.UserID{}, tenancy.RoleViewer)
	if err != nil {
		return Session{}, err
	}
	var sess Session
	var reused *reusedError
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		sess, err = s.rotate(sctx, q, rt)
		if errors.As(err, &reused) {
			return nil
		}
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: refresh: %w", err)
	}
	if reused != nil { // the session's access tokens die with it
		s.sessionsChanged(ctx, rt.tenant, reused.user)
		return Session{}, errBadRefresh
	}
	return sess, nil
}

func (s *Service) rotate(ctx context.Context, q postgres.Querier, rt tenantToken) (Session, error) {
	st := store.New(q)
	row, err := st.GetRefreshToken(ctx, store.GetRefreshTokenParams{TenantID: rt.tenant.UUID(), ID: rt.id})
	if postgres.IsNoRows(err) {
		return Session{}, errBadRefresh
	}
	if err != nil {
		return Session{}, err
	}
	if !auth.EqualHash(rt.hash, [32]byte(row.TokenHash)) {
		return Session{}, errBadRefresh
	}
	user := tenancy.UserID(row.UserID)
	role, err := st.MemberRole(ctx, store.MemberRoleParams{TenantID: rt.tenant.UUID(), UserID: row.UserID})
	if err != nil {
		return Session{}, errBadRefresh
	}
	uctx, err := userScope(ctx, rt.tenant, user, tenancy.Role(role))
	if err != nil {
		return Session{}, err
	}
	if row.RevokedAt != nil || time.Now().After(row.ExpiresAt) {
		return Session{}, errBadRefresh
	}
	n, err := st.UseRefreshToken(ctx, store.UseRefreshTokenParams{TenantID: rt.tenant.UUID(), ID: rt.id})
	if err != nil {
		return Session{}, err
	}
	if n == 0 { // already used: someone replayed it
		if _, err := st.RevokeRefreshFamily(ctx, store.RevokeRefreshFamilyParams{TenantID: rt.tenant.UUID(), FamilyID: row.FamilyID}); err != nil {
			return Session{}, fmt.Errorf("revoke family: %w", err)
		}
		if err := audit.Record(uctx, q, audit.Event{Action: "auth.refresh_reuse", TargetType: "session", TargetID: row.FamilyID.String(), Outcome: audit.Denied}); err != nil {
			return Session{}, err
		}
		return Session{}, &reusedError{user: row.UserID}
	}
	sess, err := s.issueReach(uctx, q, rt.tenant, user, tenancy.Role(role), row.FamilyID, rt.id, reach(row.TenantOnly))
	if err != nil {
		return Session{}, err
	}
	return sess, audit.Record(uctx, q, audit.Event{Action: "auth.refresh", TargetType: "session", TargetID: row.FamilyID.String()})
}

// Logout revokes the session (the whole refresh-token family) the token belongs to, and with it
// the session's access tokens, from the next request on. Logging out twice is fine; a token that is
// not one of ours is refused.
func (s *Service) Logout(ctx context.Context, raw string) error {
	rt, err := parseRefresh(raw)
	if err != nil {
		return err
	}
	sctx, err := userScope(ctx, rt.tenant, tenancy.UserID{}, tenancy.RoleViewer)
	if err != nil {
		return err
	}
	var user uuid.UUID
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		row, err := st.GetRefreshToken(sctx, store.GetRefreshTokenParams{TenantID: rt.tenant.UUID(), ID: rt.id})
		if err != nil || !auth.EqualHash(rt.hash, [32]byte(row.TokenHash)) {
			return errBadRefresh
		}
		if _, err := st.RevokeRefreshFamily(sctx, store.RevokeRefreshFamilyParams{TenantID: rt.tenant.UUID(), FamilyID: row.FamilyID}); err != nil {
			return fmt.Errorf("revoke family: %w", err)
		}
		user = row.UserID
		uctx, err := userScope(sctx, rt.tenant, tenancy.UserID(row.UserID), tenancy.RoleViewer)
		if err != nil {
			return err
		}
		return audit.Record(uctx, q, audit.Event{Action: "auth.logout", TargetType: "session", TargetID: row.FamilyID.String()})
	})
	if err != nil {
		return fmt.Errorf("identity: logout: %w", err)
	}
	s.sessionsChanged(ctx, rt.tenant, user) // the session's access tokens die with it
	return nil
}
