package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// The second factor's tables are a user's own rows (migrations/202612062000001_two_factor.sql).
var (
	_ = postgres.RegisterGlobal(postgres.GlobalTable{Name: "user_totp", App: []string{"SELECT", "INSERT", "UPDATE", "DELETE"},
		Why: "a user's second factor serves every tenant they belong to; its row-level security shows a row to its user only"})
	_ = postgres.RegisterGlobal(postgres.GlobalTable{Name: "user_recovery_codes", App: []string{"SELECT", "INSERT", "UPDATE", "DELETE"},
		Why: "the recovery codes of a user's second factor; row-level security on the user"})
	_ = postgres.RegisterGlobal(postgres.GlobalTable{Name: "login_challenges", App: []string{"SELECT", "INSERT", "UPDATE"},
		Why: "a sign-in waiting for its second factor, before a tenant is chosen; row-level security on the user"})
)

// challengeKind is the opaque-token kind of second-factor challenges: tnr_mfa_...
const challengeKind = "mfa"

// Challenge limits: a challenge lives a few minutes and dies after a few wrong codes.
const (
	challengeTTL      = 5 * time.Minute
	challengeAttempts = 5
	recoveryCodeCount = 10
)

// errBadSecondFactor is the one answer to a challenge that is not accepted: unknown, expired, used
// up, or a wrong or replayed code.
var errBadSecondFactor = errs.E(errs.Unauthorized, "invalid or expired second-factor challenge or code")

// Challenge is a password sign-in that waits for its second factor.
type Challenge struct {
	Token     string
	ExpiresAt time.Time
}

// TOTPEnrolment is a started enrolment: the secret, for the authenticator app.
type TOTPEnrolment struct {
	Secret string // base32, as typed into an app
	URI    string // otpauth://, as a QR code carries it
}

// StartTOTP starts (or restarts) the user's TOTP enrolment with a fresh secret; it is enabled by
// ConfirmTOTP. A user whose second factor is enabled gets a Conflict.
func (s *Service) StartTOTP(ctx context.Context, user tenancy.UserID) (TOTPEnrolment, error) {
	u, err := s.Me(ctx, user)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	secret := make([]byte, totpSecretLen)
	if _, err := rand.Read(secret); err != nil {
		return TOTPEnrolment{}, fmt.Errorf("identity: start totp: %w", err)
	}
	sealed, err := s.box.Seal(secret, userAD(user))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	err = s.db.AsUser(ctx, user, func(q postgres.Querier) error {
		n, err := store.New(q).PutPendingTOTP(ctx, store.PutPendingTOTPParams{UserID: user.UUID(), Secret: sealed})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "a second factor is already enabled; disable it first")
		}
		return audit.RecordSecurityTx(ctx, q, user, audit.Event{Action: "two_factor.start", Details: map[string]any{"user": user.String()}})
	})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("identity: start totp: %w", err)
	}
	return TOTPEnrolment{Secret: totpBase32.EncodeToString(secret), URI: otpauthURI(secret, u.Email)}, nil
}

// ConfirmTOTP enables the pending enrolment with a current code and returns the recovery codes,
// shown this once (only their hashes are kept). A wrong code is Invalid (body.code).
func (s *Service) ConfirmTOTP(ctx context.Context, user tenancy.UserID, code string) ([]string, error) {
	ms, err := s.Memberships(ctx, user)
	if err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodeCount)
	err = s.db.AsUser(ctx, user, func(q postgres.Querier) error {
		st := store.New(q)
		row, err := st.GetTOTP(ctx, user.UUID())
		if postgres.IsNoRows(err) || (err == nil && row.EnabledAt != nil) {
			return errs.E(errs.Conflict, "no enrolment is pending; start one first")
		}
		if err != nil {
			return err
		}
		secret, err := s.box.Open(row.Secret, userAD(user))
		if err != nil {
			return err
		}
		step, ok := totpMatch(secret, normalCode(code), time.Now(), row.LastStep)
		if !ok {
			return errs.Invalidf("body.code", "the code does not match; check the device's clock and try the current code")
		}
		if n, err := st.EnableTOTP(ctx, store.EnableTOTPParams{UserID: user.UUID(), Step: step}); err != nil || n == 0 {
			return errors.Join(err, errs.E(errs.Conflict, "the enrolment changed meanwhile; start again"))
		}
		for i := range codes {
			if codes[i], err = newRecoveryCode(); err != nil {
				return err
			}
			h := recoveryHash(codes[i])
			if err := st.InsertRecoveryCode(ctx, store.InsertRecoveryCodeParams{UserID: user.UUID(), ID: tenancy.NewID(), CodeHash: h[:]}); err != nil {
				return err
			}
		}
		if err := s.notifyMemberships(ctx, q, user, ms); err != nil {
			return err
		}
		return audit.RecordSecurityTx(ctx, q, user, audit.Event{Action: "two_factor.enable", Details: map[string]any{"user": user.String()}})
	})
	if err != nil {
		return nil, fmt.Errorf("identity: confirm totp: %w", err)
	}
	s.forgetMemberships(user, ms)
	return codes, nil
}

// DisableTOTP turns the user's second factor off (its recovery codes go with it). It needs the
// password and a current code or an unused recovery code; a wrong one is Invalid, naming the field.
func (s *Service) DisableTOTP(ctx context.Context, user tenancy.UserID, password, code, recovery string) error {
	if err := s.checkPassword(ctx, user, password); err != nil {
		return err
	}
	ms, err := s.Memberships(ctx, user)
	if err != nil {
		return err
	}
	err = s.db.AsUser(ctx, user, func(q postgres.Querier) error {
		ok, err := s.useSecondFactor(ctx, q, user, code, recovery)
		if err != nil {
			return err
		}
		if !ok {
			field := "body.code"
			if code == "" {
				field = "body.recovery_code"
			}
			return errs.Invalidf(field, "the code is wrong, already used or not current")
		}
		if _, err := store.New(q).DeleteTOTP(ctx, user.UUID()); err != nil {
			return err
		}
		if err := s.notifyMemberships(ctx, q, user, ms); err != nil {
			return err
		}
		return audit.RecordSecurityTx(ctx, q, user, audit.Event{Action: "two_factor.disable", Details: map[string]any{"user": user.String()}})
	})
	if err != nil {
		return fmt.Errorf("identity: disable totp: %w", err)
	}
	s.forgetMemberships(user, ms)
	return nil
}

// checkPassword verifies the signed-in user's password; a wrong one is Invalid (body.password).
func (s *Service) checkPassword(ctx context.Context, user tenancy.UserID, password string) error {
	u, err := s.Me(ctx, user)
	if err != nil {
		return err
	}
	c, err := s.userByEmail(ctx, u.Email)
	if err != nil {
		return fmt.Errorf("identity: check password: %w", err)
	}
	ok, err := s.hasher.Verify(ctx, c.hash, password)
	if err != nil {
		return fmt.Errorf("identity: check password: %w", err)
	}
	if !ok || c.id != user {
		return errs.Invalidf("body.password", "the password is wrong")
	}
	return nil
}

// useSecondFactor consumes a current TOTP code (its step can never be used again) or an unused
// recovery code of user's enabled second factor, in q; ok is false when neither matches.
func (s *Service) useSecondFactor(ctx context.Context, q postgres.Querier, user tenancy.UserID, code, recovery string) (bool, error) {
	st := store.New(q)
	row, err := st.GetTOTP(ctx, user.UUID())
	if postgres.IsNoRows(err) || (err == nil && row.EnabledAt == nil) {
		return false, errs.E(errs.Conflict, "no second factor is enabled")
	}
	if err != nil {
		return false, err
	}
	if recovery != "" {
		h := recoveryHash(normalRecovery(recovery))
		n, err := st.UseRecoveryCode(ctx, store.UseRecoveryCodeParams{UserID: user.UUID(), CodeHash: h[:]})
		return n == 1, err
	}
	secret, err := s.box.Open(row.Secret, userAD(user))
	if err != nil {
		return false, err
	}
	step, ok := totpMatch(secret, normalCode(code), time.Now(), row.LastStep)
	if !ok {
		return false, nil
	}
	n, err := st.UseTOTPStep(ctx, store.UseTOTPStepParams{UserID: user.UUID(), Step: step})
	return n == 1, err
}

// secondFactorChallenge returns, for an enrolled user, a challenge that CompleteSignIn exchanges
// with a code for a session in the tenant slug names ("" for the default); nil when the user has no
// second factor enabled.
func (s *Service) secondFactorChallenge(ctx context.Context, user tenancy.UserID, slug string) (*Challenge, error) {
	var ch *Challenge
	err := s.db.AsUser(ctx, user, func(q postgres.Querier) error {
		st := store.New(q)
		row, err := st.GetTOTP(ctx, user.UUID())
		if postgres.IsNoRows(err) || (err == nil && row.EnabledAt == nil) {
			return nil
		}
		if err != nil {
			return err
		}
		id := tenancy.NewID()
		tok, err := auth.NewOpaque(challengeKind, auth.PackUUIDs(user.UUID(), id))
		if err != nil {
			return err
		}
		h := tok.Hash()
		exp := time.Now().Add(challengeTTL)
		err = st.InsertLoginChallenge(ctx, store.InsertLoginChallengeParams{UserID: user.UUID(), ID: id, TokenHash: h[:], TenantSlug: slug, ExpiresAt: exp})
		if err != nil {
			return err
		}
		ch = &Challenge{Token: tok.Token(), ExpiresAt: exp}
		return audit.RecordSecurityTx(ctx, q, user, audit.Event{Action: "auth.login_challenge", Details: map[string]any{"user": user.String()}})
	})
	if err != nil {
		return nil, fmt.Errorf("identity: second-factor challenge: %w", err)
	}
	return ch, nil
}

// CompleteSignIn exchanges a second-factor challenge and a current TOTP code (or an unused
// recovery code) for a session, as the password sign-in would have opened it. A wrong code counts
// against the challenge; every refusal is the same Unauthorized.
func (s *Service) CompleteSignIn(ctx context.Context, token, code, recovery string) (Session, error) {
	o, err := auth.ParseOpaque(challengeKind, strings.TrimSpace(token))
	if err != nil {
		return Session{}, errBadSecondFactor
	}
	u, id := auth.UnpackUUIDs(o.Public)
	user := tenancy.UserID(u)
	if user.IsZero() {
		return Session{}, errBadSecondFactor
	}
	var slug string
	var refused bool
	err = s.db.AsUser(ctx, user, func(q postgres.Querier) error {
		st := store.New(q)
		row, err := st.GetLoginChallenge(ctx, store.GetLoginChallengeParams{UserID: u, ID: id})
		if err != nil || !auth.EqualHash(o.Hash(), [32]byte(row.TokenHash)) || row.UsedAt != nil ||
			time.Now().After(row.ExpiresAt) || row.Attempts >= challengeAttempts {
			return errBadSecondFactor
		}
		ok, err := s.useSecondFactor(ctx, q, user, code, recovery)
		if errs.Is(err, errs.Conflict) { // the second factor was disabled meanwhile
			return errBadSecondFactor
		}
		if err != nil {
			return err
		}
		if !ok { // count the attempt, and commit that
			refused = true
			return st.FailLoginChallenge(ctx, store.FailLoginChallengeParams{UserID: u, ID: id})
		}
		if n, err := st.UseLoginChallenge(ctx, store.UseLoginChallengeParams{UserID: u, ID: id}); err != nil || n == 0 {
			return errors.Join(err, errBadSecondFactor)
		}
		slug = row.TenantSlug
		method := "totp"
		if recovery != "" {
			method = "recovery_code"
		}
		return audit.RecordSecurityTx(ctx, q, user, audit.Event{Action: "auth.second_factor", Details: map[string]any{"user": user.String(), "method": method}})
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: second factor: %w", err)
	}
	if refused {
		s.securityEvent(ctx, user, "auth.second_factor", "wrong_code")
		return Session{}, errBadSecondFactor
	}
	return s.signIn(ctx, user, slug)
}

// notifyMemberships tells every instance, at commit, to read again what it cached about user in
// each of the tenants ms (whether the tenant's second-factor requirement stops them).
func (s *Service) notifyMemberships(ctx context.Context, q postgres.Querier, user tenancy.UserID, ms []Membership) error {
	for _, m := range ms {
		if err := store.New(q).NotifySession(ctx, m.TenantID.String()+" "+user.String()); err != nil {
			return err
		}
	}
	return nil
}

// forgetMemberships drops, right after commit, what this instance cached about user in ms.
func (s *Service) forgetMemberships(user tenancy.UserID, ms []Membership) {
	for _, m := range ms {
		s.forgetSessions(m.TenantID, user.UUID())
	}
}

// Recovery codes: 10 characters of the RFC 4648 base32 alphabet (50 bits), shown as xxxxx-xxxxx.
const recoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func newRecoveryCode() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("identity: recovery code: %w", err)
	}
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, recoveryAlphabet[c&31])
	}
	return string(out), nil
}

// normalRecovery accepts a recovery code as shown, in either case, with or without the dash.
func normalRecovery(code string) string {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(c) == 10 {
		return c[:5] + "-" + c[5:]
	}
	return c
}

// normalCode accepts a TOTP code with spaces, as apps show it ("123 456").
func normalCode(code string) string { return strings.ReplaceAll(code, " ", "") }

func recoveryHash(code string) [32]byte { return sha256.Sum256([]byte(code)) }

// userAD is the additional data a user's sealed secret is bound to: the user id.
func userAD(user tenancy.UserID) []byte {
	u := user.UUID()
	return u[:]
}
