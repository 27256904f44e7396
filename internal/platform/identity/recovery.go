package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Account recovery (docs/access.md, "Passwords and recovery"): changing a password, and resetting a
// forgotten one through a single-use token sent by e-mail. Either ends every session of the user, in
// every tenant, each tenant's revocation audited in that tenant.

const (
	resetKind    = "rst"            // the opaque-token kind of password-reset tokens: tnr_rst_...
	resetTTL     = 30 * time.Minute // how long a reset token is valid
	purposeReset = "password_reset" // user_tokens.purpose of reset tokens
	resetAction  = "auth.password_reset"
	changeAction = "auth.password_change"
)

var credentialsOfUser = postgres.Register(postgres.CrossTenant{
	Name:  "identity.credentials_of_user",
	Why:   "changing a password checks the current one, whose hash only the system role reads",
	SQL:   `SELECT email, password_hash, status FROM users WHERE id = $1`,
	Reads: map[string][]string{"users": {"id", "email", "password_hash", "status"}},
})

var (
	errResetUnknown = errs.E(errs.NotFound, "unknown password-reset token")
	errResetGone    = errs.E(errs.Gone, "this password-reset token was used or has expired; ask for a new one")
)

// ChangePassword sets the password of user, who proves the current one. Every session of the user
// ends, in every tenant; the caller gets a new session in the tenant of ctx's scope (or, without
// one, their first tenant), or an access token without a tenant when they belong to none. A wrong
// current password is Invalid (body.current_password) and counts as a failed sign-in attempt
// against the account's budgets (throttle.go).
func (s *Service) ChangePassword(ctx context.Context, user tenancy.UserID, current, next string) (Session, error) {
	if err := auth.ValidatePassword(next); err != nil {
		return Session{}, errs.Invalidf("body.new_password", "the password must have 12 to 1024 characters")
	}
	if _, err := s.checkCurrentPassword(ctx, user, current); err != nil {
		return Session{}, err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return Session{}, fmt.Errorf("identity: change password: %w", err)
	}
	var home tenancy.TenantID
	if sc, err := tenancy.FromContext(ctx); err == nil {
		home = sc.Tenant
	}
	return s.replacePassword(ctx, passwordChange{user: user, hash: hash, home: home, action: changeAction, session: true})
}

// checkCurrentPassword checks that current is the password of user, an active account, and
// returns the account's address. The check counts as a sign-in attempt against the account's
// budgets (throttle.go): RateLimited before any password work; a wrong password (or a disabled
// account) is Invalid naming body.current_password.
func (s *Service) checkCurrentPassword(ctx context.Context, user tenancy.UserID, current string) (string, error) {
	var c credentials
	var email string
	if err := s.db.CrossTenantRow(ctx, credentialsOfUser, []any{user.UUID()}, &email, &c.hash, &c.status); err != nil {
		return "", fmt.Errorf("identity: check password: %w", err)
	}
	if err := s.throttleSignIn(ctx, email, ""); err != nil {
		return "", err
	}
	ok, err := s.hasher.Verify(ctx, c.hash, current)
	if err != nil {
		return "", fmt.Errorf("identity: check password: %w", err)
	}
	if !ok || c.status != "active" {
		return "", errs.Invalidf("body.current_password", "this is not your current password")
	}
	return email, nil
}

// passwordChange is one change of a user's credentials (the password, or with use and no hash the
// address) that ends every session of the user.
type passwordChange struct {
	user    tenancy.UserID
	hash    string           // the new password's hash; "": the password stays (use changes something else)
	home    tenancy.TenantID // the tenant whose transaction sets the password; zero: the first membership
	action  string
	session bool // open a new session for the caller
	// use, when set, runs first in the home tenant's transaction (it uses the reset token up).
	use func(ctx context.Context, q postgres.Querier) error
}

// replacePassword sets the password in the home tenant's transaction, which also ends the user's
// sessions there and records the change; then it ends the sessions in every other tenant of the
// user, each in a transaction of its own with its audit row. A user of no tenant has the password
// set in their own row's scope and the change recorded as a security event.
func (s *Service) replacePassword(ctx context.Context, c passwordChange) (Session, error) {
	ms, err := s.Memberships(ctx, c.user)
	if err != nil {
		return Session{}, err
	}
	role := tenancy.RoleViewer
	if c.home.IsZero() {
		if m, ok := chooseMembership(ms, ""); ok {
			c.home = m.TenantID
		}
	}
	for _, m := range ms {
		if m.TenantID == c.home {
			role = m.Role
		}
	}
	if c.home.IsZero() {
		return s.replaceOwnPassword(ctx, c)
	}
	var sess Session
	err = s.inTenant(ctx, c.home, c.user, role, func(ctx context.Context, q postgres.Querier) error {
		if c.use != nil {
			if err := c.use(ctx, q); err != nil {
				return err
			}
		}
		if c.hash != "" {
			if err := store.New(q).SetUserPassword(ctx, store.SetUserPasswordParams{ID: c.user.UUID(), PasswordHash: c.hash}); err != nil {
				return err
			}
		}
		if err := s.endSessions(ctx, q, c.home, c.user, c.action); err != nil {
			return err
		}
		if c.session {
			sess, err = s.issue(ctx, q, c.home, c.user, role, tenancy.NewID(), uuid.Nil)
		}
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: %s: %w", c.action, err)
	}
	s.sessionsChanged(ctx, c.home, c.user.UUID())
	for _, m := range ms {
		if m.TenantID == c.home {
			continue
		}
		err := s.inTenant(ctx, m.TenantID, c.user, m.Role, func(ctx context.Context, q postgres.Querier) error {
			return s.endSessions(ctx, q, m.TenantID, c.user, c.action)
		})
		if err != nil {
			return Session{}, fmt.Errorf("identity: %s: end sessions: %w", c.action, err)
		}
		s.sessionsChanged(ctx, m.TenantID, c.user.UUID())
	}
	return sess, nil
}

// replaceOwnPassword sets the password of a user who belongs to no tenant (no session to end).
func (s *Service) replaceOwnPassword(ctx context.Context, c passwordChange) (Session, error) {
	err := s.db.AsUser(ctx, c.user, func(q postgres.Querier) error {
		return store.New(q).SetUserPassword(ctx, store.SetUserPasswordParams{ID: c.user.UUID(), PasswordHash: c.hash})
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: %s: %w", c.action, err)
	}
	if err := audit.RecordSecurity(ctx, s.db, c.user, audit.Event{Action: c.action, TargetType: "user", TargetID: c.user.String()}); err != nil {
		return Session{}, fmt.Errorf("identity: %s: %w", c.action, err)
	}
	if !c.session {
		return Session{}, nil
	}
	tok, exp, err := s.tokens.Issue(auth.AccessClaims{UserID: c.user.UUID()})
	if err != nil {
		return Session{}, fmt.Errorf("identity: %s: %w", c.action, err)
	}
	return Session{AccessToken: tok, TokenType: "Bearer", ExpiresAt: exp}, nil
}

// endSessions revokes every session of user in tenant and records action there.
func (s *Service) endSessions(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID, user tenancy.UserID, action string) error {
	n, err := store.New(q).RevokeUserSessions(ctx, store.RevokeUserSessionsParams{TenantID: tenant.UUID(), UserID: user.UUID()})
	if err != nil {
		return err
	}
	return audit.Record(ctx, q, audit.Event{Action: action, TargetType: "user", TargetID: user.String(),
		Details: map[string]any{"sessions_revoked": n}})
}

// inTenant runs fn in a transaction of tenant on behalf of user.
func (s *Service) inTenant(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID, role tenancy.Role, fn func(context.Context, postgres.Querier) error) error {
	sctx, err := userScope(ctx, tenant, user, role)
	if err != nil {
		return err
	}
	return s.db.Tx(sctx, func(q postgres.Querier) error { return fn(sctx, q) })
}

// RequestPasswordReset mails a reset token to email when it names an active account that belongs
// to a tenant (the message goes through that tenant's outbox: the first tenant by name), at most one
// a minute. It returns nil whatever the address: the caller cannot learn whether it has an account.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email = strings.TrimSpace(email)
	c, err := s.userByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) || (err == nil && c.status != "active") {
		return s.resetNotSent(ctx, c.id, "no_active_account")
	}
	if err != nil {
		return fmt.Errorf("identity: request password reset: %w", err)
	}
	ms, err := s.Memberships(ctx, c.id)
	if err != nil {
		return err
	}
	m, ok := chooseMembership(ms, "")
	if !ok {
		return s.resetNotSent(ctx, c.id, "no_tenant")
	}
	err = s.inTenant(ctx, m.TenantID, c.id, m.Role, func(ctx context.Context, q postgres.Querier) error {
		st := store.New(q)
		recent, err := st.RecentUserTokens(ctx, store.RecentUserTokensParams{TenantID: m.TenantID.UUID(), UserID: c.id.UUID(), Purpose: purposeReset})
		if err != nil {
			return err
		}
		if recent > 0 {
			return audit.Record(ctx, q, audit.Event{Action: resetAction + "_request", TargetType: "user", TargetID: c.id.String(),
				Outcome: audit.Denied, Details: map[string]any{"reason": "one_a_minute"}})
		}
		id := tenancy.NewID()
		token, err := auth.NewOpaque(resetKind, auth.PackUUIDs(m.TenantID.UUID(), id))
		if err != nil {
			return err
		}
		hash, expires := token.Hash(), time.Now().Add(resetTTL)
		err = st.InsertUserToken(ctx, store.InsertUserTokenParams{TenantID: m.TenantID.UUID(), ID: id, UserID: c.id.UUID(),
			Purpose: purposeReset, TokenHash: hash[:], ExpiresAt: expires})
		if err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, q, s.resetMail(email, token.Token(), expires)); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: resetAction + "_request", TargetType: "user", TargetID: c.id.String()})
	})
	if err != nil {
		return fmt.Errorf("identity: request password reset: %w", err)
	}
	return nil
}

// resetNotSent records, in the security log, a reset request that mailed nothing.
func (s *Service) resetNotSent(ctx context.Context, user tenancy.UserID, reason string) error {
	err := audit.RecordSecurity(ctx, s.db, user, audit.Event{Action: resetAction + "_request", Outcome: audit.Denied,
		Details: map[string]any{"reason": reason}})
	if err != nil {
		return fmt.Errorf("identity: request password reset: %w", err)
	}
	return nil
}

func (s *Service) resetMail(to, token string, expires time.Time) mail.Message {
	body := fmt.Sprintf("Someone asked to reset the password of your Tenantry account.\n\n"+
		"To choose a new password, open this link:\n\n%s/reset-password?token=%s\n\n"+
		"Through the API instead, send the token to %s/api/v1/auth/password-reset/complete "+
		"(POST, JSON body {\"token\": \"...\", \"password\": \"...\"}):\n\n%s\n\n"+
		"It can be used once, until %s, and signs you out everywhere. If you did not ask for it, ignore "+
		"this message: your password stays as it is.\n", s.publicURL, token, s.publicURL, token, expires.UTC().Format(time.RFC1123))
	return mail.Message{To: to, Subject: "Reset your Tenantry password", Body: body}
}

// ResetPassword sets a new password with a reset token and ends every session of its user. A token
// that is not one of ours is NotFound; one that was used or has expired is Gone.
func (s *Service) ResetPassword(ctx context.Context, raw, password string) error {
	if err := auth.ValidatePassword(password); err != nil {
		return errs.Invalidf("body.password", "the password must have 12 to 1024 characters")
	}
	tok, ok := parseTenantToken(resetKind, raw)
	if !ok {
		return errResetUnknown
	}
	tenant, t, id := tok.tenant, uuid.UUID(tok.tenant), tok.id
	sctx, err := userScope(ctx, tenant, tenancy.UserID{}, tenancy.RoleViewer)
	if err != nil {
		return err
	}
	var row store.GetUserTokenRow
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		row, err = store.New(q).GetUserToken(sctx, store.GetUserTokenParams{TenantID: t, ID: id})
		return err
	})
	switch {
	case postgres.IsNoRows(err), err == nil && (row.Purpose != purposeReset || !auth.EqualHash(tok.hash, [32]byte(row.TokenHash))):
		return errResetUnknown
	case err != nil:
		return fmt.Errorf("identity: reset password: %w", err)
	case row.UsedAt != nil || time.Now().After(row.ExpiresAt):
		return errResetGone
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("identity: reset password: %w", err)
	}
	_, err = s.replacePassword(ctx, passwordChange{user: tenancy.UserID(row.UserID), hash: hash, home: tenant, action: resetAction,
		use: func(ctx context.Context, q postgres.Querier) error {
			st := store.New(q)
			n, err := st.UseUserToken(ctx, store.UseUserTokenParams{TenantID: t, ID: id})
			if err == nil && n == 0 { // used by a concurrent reset, or expired meanwhile
				return errResetGone
			}
			if err != nil {
				return err
			}
			return st.VerifyUserEmail(ctx, row.UserID) // the token came by mail: the address is the user's
		}})
	return err
}
