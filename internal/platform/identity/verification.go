package identity

import (
	"context"
	"fmt"
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

// E-mail verification (docs/access.md, "Registration and e-mail verification"). Registration
// answers the same whether or not the address has an account, so it cannot return a session: it
// mails a single-use link instead, and following it verifies the address and signs the user in.
// Until then the account cannot sign in (the answer is a wrong password's), so registering
// someone else's address gains nothing and tells nothing.

const (
	verifyKind    = "ver"          // the opaque-token kind of verification tokens: tnr_ver_...
	verifyTTL     = 24 * time.Hour // how long a verification token is valid
	purposeVerify = "verify_email" // user_tokens.purpose of verification tokens
	verifyAction  = "auth.verify_email"
)

var (
	errVerifyUnknown = errs.E(errs.NotFound, "unknown verification token")
	errVerifyGone    = errs.E(errs.Gone, "this verification token was used or has expired; sign in, or reset your password to get a new one")
)

// mailVerification stores a verification token for user in the scope's tenant and mails it to
// email, in the caller's transaction.
func (s *Service) mailVerification(ctx context.Context, q postgres.Querier, tenant tenancy.TenantID, user tenancy.UserID, email string) error {
	id := tenancy.NewID()
	token, err := auth.NewOpaque(verifyKind, auth.PackUUIDs(tenant.UUID(), id))
	if err != nil {
		return err
	}
	hash, expires := token.Hash(), time.Now().Add(verifyTTL)
	err = store.New(q).InsertUserToken(ctx, store.InsertUserTokenParams{TenantID: tenant.UUID(), ID: id, UserID: user.UUID(),
		Purpose: purposeVerify, TokenHash: hash[:], ExpiresAt: expires})
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Welcome to Tenantry.\n\nTo confirm this address and finish signing up, open this link; "+
		"it signs you in:\n\n%s/verify-email?token=%s\n\n"+
		"Through the API instead, send the token to %s/api/v1/auth/verify-email (POST, JSON body {\"token\": \"...\"}):\n\n%s\n\n"+
		"It can be used once, until %s. If you did not sign up, ignore this message.\n",
		s.publicURL, token.Token(), s.publicURL, token.Token(), expires.UTC().Format(time.RFC1123))
	return mail.Enqueue(ctx, q, mail.Message{To: email, Subject: "Confirm your Tenantry address", Body: body})
}

// registrationAttempted tells the owner of an address that has an account that someone tried to
// register with it, through the outbox of the user's first tenant (audited there); for a user of
// no tenant it records a security event instead. It creates nothing.
func (s *Service) registrationAttempted(ctx context.Context, user tenancy.UserID, email string) error {
	ms, err := s.Memberships(ctx, user)
	if err != nil {
		return err
	}
	m, ok := chooseMembership(ms, "")
	if !ok {
		return audit.RecordSecurity(ctx, s.db, user, audit.Event{Action: "auth.register", Outcome: audit.Denied,
			Details: map[string]any{"reason": "address_taken"}})
	}
	return s.inTenant(ctx, m.TenantID, user, m.Role, func(ctx context.Context, q postgres.Querier) error {
		body := fmt.Sprintf("Someone tried to sign up for Tenantry with this address, which already has an account. "+
			"Nothing was created.\n\nIf it was you: sign in at %s/api/v1/auth/login, or, if you forgot your password, ask "+
			"for a new one at %s/api/v1/auth/password-reset. If it was not you, you need not do anything.\n",
			s.publicURL, s.publicURL)
		if err := mail.Enqueue(ctx, q, mail.Message{To: email, Subject: "Someone tried to sign up with your address", Body: body}); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "auth.register", TargetType: "user", TargetID: user.String(),
			Outcome: audit.Denied, Details: map[string]any{"reason": "address_taken"}})
	})
}

// VerifyEmail uses a verification token up, marks its user's address verified and opens a session
// in the tenant the token was issued in (the one created at registration). A token that is not one
// of ours is NotFound; one that was used, or has expired, is Gone.
func (s *Service) VerifyEmail(ctx context.Context, raw string) (Session, error) {
	tok, ok := parseTenantToken(verifyKind, raw)
	if !ok {
		return Session{}, errVerifyUnknown
	}
	tenant, t, id := tok.tenant, uuid.UUID(tok.tenant), tok.id
	sctx, err := userScope(ctx, tenant, tenancy.UserID{}, tenancy.RoleViewer)
	if err != nil {
		return Session{}, err
	}
	var row store.GetUserTokenRow
	var role string
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		if row, err = st.GetUserToken(sctx, store.GetUserTokenParams{TenantID: t, ID: id}); err != nil {
			return err
		}
		role, err = st.MemberRole(sctx, store.MemberRoleParams{TenantID: t, UserID: row.UserID})
		return err
	})
	switch {
	case postgres.IsNoRows(err), err == nil && (row.Purpose != purposeVerify || !auth.EqualHash(tok.hash, [32]byte(row.TokenHash))):
		return Session{}, errVerifyUnknown
	case err != nil:
		return Session{}, fmt.Errorf("identity: verify e-mail: %w", err)
	case row.UsedAt != nil || time.Now().After(row.ExpiresAt):
		return Session{}, errVerifyGone
	}
	user := tenancy.UserID(row.UserID)
	var sess Session
	err = s.inTenant(ctx, tenant, user, tenancy.Role(role), func(ctx context.Context, q postgres.Querier) error {
		st := store.New(q)
		n, err := st.UseUserToken(ctx, store.UseUserTokenParams{TenantID: t, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errVerifyGone
		}
		if err := st.VerifyUserEmail(ctx, user.UUID()); err != nil {
			return err
		}
		family := tenancy.NewID()
		if sess, err = s.issue(ctx, q, tenant, user, tenancy.Role(role), family, uuid.Nil); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: verifyAction, TargetType: "session", TargetID: family.String()})
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: verify e-mail: %w", err)
	}
	return sess, nil
}
