package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Changing the e-mail address (docs/access.md, "Passwords and recovery"). The user proves the
// current password; a single-use token is mailed to the new address and a notice to the old one.
// The request answers the same whether or not the new address has an account: the token is mailed
// anyway, and only its holder (the owner of the new address) learns at completion that the address
// is taken. Until the token is used the old address stays the sign-in address; using it sets and
// verifies the new one and ends every session of the user, in every tenant.

const (
	emailChangeKind    = "emc"          // the opaque-token kind of address-change tokens: tnr_emc_...
	emailChangeTTL     = 24 * time.Hour // how long an address-change token is valid
	purposeEmailChange = "email_change" // user_tokens.purpose of address-change tokens
	emailChangeAction  = "auth.email_change"
)

var (
	errEmailChangeUnknown  = errs.E(errs.NotFound, "unknown address-change token")
	errEmailChangeGone     = errs.E(errs.Gone, "this address-change token was used or has expired; ask for a new one")
	errEmailChangeTaken    = errs.E(errs.Conflict, "the address cannot be changed to this one; nothing was changed")
	errEmailChangeNoTenant = errs.E(errs.Forbidden, "an account that belongs to no tenant cannot change its address; join or create a tenant first")
)

// RequestEmailChange mails a token that sets the address of user to next, once the current password
// is proven (a wrong one is Invalid naming body.current_password and counts as a failed sign-in
// attempt, as for ChangePassword), and a notice to the current address. It is recorded in the
// tenant of ctx's scope (or, without one, the user's first tenant), whose outbox mails both; at most
// one token a minute (further requests are recorded as denied and mail nothing). The answer does
// not depend on whether next has an account. A user of no tenant is Forbidden.
func (s *Service) RequestEmailChange(ctx context.Context, user tenancy.UserID, next, current string) error {
	next = strings.TrimSpace(next)
	if len(next) < 3 || len(next) > 254 || !strings.Contains(next, "@") {
		return errs.Invalidf("body.new_email", "this is not an e-mail address")
	}
	old, err := s.checkCurrentPassword(ctx, user, current)
	if err != nil {
		return err
	}
	if strings.EqualFold(old, next) {
		return errs.Invalidf("body.new_email", "this is your address already")
	}
	home, role, err := s.homeTenant(ctx, user)
	if err != nil {
		return err
	}
	err = s.inTenant(ctx, home, user, role, func(ctx context.Context, q postgres.Querier) error {
		st := store.New(q)
		recent, err := st.RecentUserTokens(ctx, store.RecentUserTokensParams{TenantID: home.UUID(), UserID: user.UUID(), Purpose: purposeEmailChange})
		if err != nil {
			return err
		}
		if recent > 0 {
			return audit.Record(ctx, q, audit.Event{Action: emailChangeAction + "_request", TargetType: "user", TargetID: user.String(),
				Outcome: audit.Denied, Details: map[string]any{"reason": "one_a_minute"}})
		}
		id := tenancy.NewID()
		token, err := auth.NewOpaque(emailChangeKind, auth.PackUUIDs(home.UUID(), id))
		if err != nil {
			return err
		}
		hash, expires := token.Hash(), time.Now().Add(emailChangeTTL)
		err = st.InsertEmailChangeToken(ctx, store.InsertEmailChangeTokenParams{TenantID: home.UUID(), ID: id, UserID: user.UUID(),
			TokenHash: hash[:], ExpiresAt: expires, Email: pgtype.Text{String: next, Valid: true}})
		if err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, q, s.emailChangeMail(next, token.Token(), expires)); err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, q, s.emailChangeNotice(old, next)); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: emailChangeAction + "_request", TargetType: "user", TargetID: user.String()})
	})
	if err != nil {
		return fmt.Errorf("identity: request e-mail change: %w", err)
	}
	return nil
}

// homeTenant returns the tenant of ctx's scope, or without one the user's first tenant, and the
// user's role there; Forbidden for a user of no tenant.
func (s *Service) homeTenant(ctx context.Context, user tenancy.UserID) (tenancy.TenantID, tenancy.Role, error) {
	ms, err := s.Memberships(ctx, user)
	if err != nil {
		return tenancy.TenantID{}, "", err
	}
	var want tenancy.TenantID
	if sc, err := tenancy.FromContext(ctx); err == nil {
		want = sc.Tenant
	}
	for _, m := range ms {
		if m.TenantID == want {
			return m.TenantID, m.Role, nil
		}
	}
	m, ok := chooseMembership(ms, "")
	if !ok {
		return tenancy.TenantID{}, "", errEmailChangeNoTenant
	}
	return m.TenantID, m.Role, nil
}

func (s *Service) emailChangeMail(to, token string, expires time.Time) mail.Message {
	body := fmt.Sprintf("Someone asked to make this address the sign-in address of a Tenantry account.\n\n"+
		"To confirm it, open this link:\n\n%s/email-change?token=%s\n\n"+
		"Through the API instead, send the token to %s/api/v1/auth/email-change/complete (POST, JSON body {\"token\": \"...\"}):\n\n%s\n\n"+
		"It can be used once, until %s, and signs the account out everywhere. If you did not ask for it, ignore "+
		"this message: nothing changes.\n", s.publicURL, token, s.publicURL, token, expires.UTC().Format(time.RFC1123))
	return mail.Message{To: to, Subject: "Confirm your new Tenantry address", Body: body}
}

func (s *Service) emailChangeNotice(to, next string) mail.Message {
	body := fmt.Sprintf("Someone signed in to your Tenantry account asked to change its address to %s.\n\n"+
		"Nothing changes until the link mailed to that address is followed; until then you sign in with this one. "+
		"If this was not you, reset your password now at %s/api/v1/auth/password-reset: it signs the account out "+
		"everywhere.\n", next, s.publicURL)
	return mail.Message{To: to, Subject: "Your Tenantry address is being changed", Body: body}
}

// CompleteEmailChange uses an address-change token up: it sets its user's address to the one the
// token carries, verified, and ends every session of the user in every tenant (each tenant's
// revocation audited there). A token that is not one of ours is NotFound; one that was used, or
// has expired, is Gone; an address that has an account by now is Conflict, and nothing changes.
func (s *Service) CompleteEmailChange(ctx context.Context, raw string) error {
	tok, ok := parseTenantToken(emailChangeKind, raw)
	if !ok {
		return errEmailChangeUnknown
	}
	tenant, t, id := tok.tenant, uuid.UUID(tok.tenant), tok.id
	sctx, err := userScope(ctx, tenant, tenancy.UserID{}, tenancy.RoleViewer)
	if err != nil {
		return err
	}
	var row store.GetEmailChangeTokenRow
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		row, err = store.New(q).GetEmailChangeToken(sctx, store.GetEmailChangeTokenParams{TenantID: t, ID: id})
		return err
	})
	switch {
	case postgres.IsNoRows(err), err == nil && (!row.Email.Valid || !auth.EqualHash(tok.hash, [32]byte(row.TokenHash))):
		return errEmailChangeUnknown
	case err != nil:
		return fmt.Errorf("identity: complete e-mail change: %w", err)
	case row.UsedAt != nil || time.Now().After(row.ExpiresAt):
		return errEmailChangeGone
	}
	user := tenancy.UserID(row.UserID)
	switch _, err := s.userByEmail(ctx, row.Email.String); {
	case err == nil: // the address has an account by now (another's, or already this one's)
		return errEmailChangeTaken
	case !errs.Is(err, errs.NotFound):
		return fmt.Errorf("identity: complete e-mail change: %w", err)
	}
	_, err = s.replacePassword(ctx, passwordChange{user: user, home: tenant, action: emailChangeAction,
		use: func(ctx context.Context, q postgres.Querier) error {
			st := store.New(q)
			n, err := st.UseUserToken(ctx, store.UseUserTokenParams{TenantID: t, ID: id})
			if err == nil && n == 0 { // used by a concurrent completion, or expired meanwhile
				return errEmailChangeGone
			}
			if err != nil {
				return err
			}
			// taken meanwhile: users_email_key refuses it, a generic Conflict (postgres.translate)
			return st.SetUserEmail(ctx, store.SetUserEmailParams{ID: user.UUID(), Email: row.Email.String})
		}})
	return err
}
