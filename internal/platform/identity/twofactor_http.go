package identity

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
)

// twoFactorRoutes registers the second factor's operations: a signed-in user enrols and disables
// their own (authenticated: no key, no staff grant, open even where the tenant's requirement stops
// everything else), a sign-in completes with a code, and admins set the tenant's requirement.
func (s *Service) twoFactorRoutes(api huma.API, log *slog.Logger) {
	rt := httpapi.NewRoutes(api, log)
	identity, tenant := rt.Tag("Identity"), rt.Tag("Tenant")
	public, signedIn := httpapi.Access{Class: httpapi.Public}, httpapi.Access{Class: httpapi.Authenticated}
	const cf = http.StatusConflict

	httpapi.Post(identity, "/api/v1/auth/login/second-factor", "complete-sign-in", public,
		s.handleCompleteSignIn, "Complete a sign-in with a TOTP code or a recovery code")
	httpapi.Post(identity, "/api/v1/me/two-factor/totp", "start-totp", signedIn,
		s.handleStartTOTP, "Start enrolling a TOTP authenticator: its secret and otpauth:// URI", cf, 403)
	httpapi.Post(identity, "/api/v1/me/two-factor/totp/confirm", "confirm-totp", signedIn,
		s.handleConfirmTOTP, "Enable the TOTP authenticator with a current code; returns the recovery codes, once", cf, 403)
	httpapi.Post(identity, "/api/v1/me/two-factor/totp/disable", "disable-totp", signedIn,
		s.handleDisableTOTP, "Disable the second factor (password and a current or recovery code)", 204, cf, 403,
		http.StatusServiceUnavailable)
	httpapi.Get(tenant, "/api/v1/tenant/security", "get-tenant-security", httpapi.Admin("tenant:read"),
		s.handleGetTenantSecurity, "The tenant's security settings")
	httpapi.Put(tenant, "/api/v1/tenant/security", "set-tenant-security", httpapi.Admin(""),
		s.handleSetTenantSecurity, "Change the tenant's security settings (requiring a second factor needs yours)")
}

// LoginOutput is a sign-in's answer: the session, or, for a user with a second factor, the
// challenge to complete (POST /api/v1/auth/login/second-factor).
type LoginOutput struct {
	SessionCookies
	Body LoginResult
}

// LoginResult is the session's fields, or the second-factor challenge's.
type LoginResult struct {
	AccessToken           string     `json:"access_token,omitempty" doc:"Short-lived access JWT; absent when a second factor is required"`
	TokenType             string     `json:"token_type,omitempty" example:"Bearer"`
	ExpiresAt             *time.Time `json:"expires_at,omitempty" doc:"When the access token expires"`
	RefreshToken          string     `json:"refresh_token,omitempty" doc:"Opaque, single-use refresh token"`
	TenantID              string     `json:"tenant_id,omitempty" doc:"The tenant the access token is bound to"`
	Role                  string     `json:"role,omitempty" doc:"The caller's role in that tenant"`
	SecondFactorRequired  bool       `json:"second_factor_required,omitempty" doc:"True when the sign-in waits for a second factor"`
	SecondFactorToken     string     `json:"second_factor_token,omitempty" doc:"Single-use challenge, sent with a code to complete the sign-in; not an access token"`
	SecondFactorExpiresAt *time.Time `json:"second_factor_expires_at,omitempty" doc:"When the challenge expires"`
	DeviceToken           string     `json:"device_token,omitempty" doc:"After a sign-in with the password alone: keep it and send it with this account's next sign-ins from this device, which then no guessing elsewhere can slow down"`
}

func loginResult(sess Session) LoginResult {
	if ch := sess.SecondFactor; ch != nil {
		exp := ch.ExpiresAt
		return LoginResult{SecondFactorRequired: true, SecondFactorToken: ch.Token, SecondFactorExpiresAt: &exp}
	}
	exp := sess.ExpiresAt
	return LoginResult{AccessToken: sess.AccessToken, TokenType: sess.TokenType, ExpiresAt: &exp,
		RefreshToken: sess.RefreshToken, TenantID: sess.TenantID, Role: sess.Role, DeviceToken: sess.DeviceToken}
}

// SecondFactorInput completes a sign-in: the challenge and exactly one of a code and a recovery code.
type SecondFactorInput struct {
	CookieRequest
	Body struct {
		SecondFactorToken string `json:"second_factor_token" minLength:"1" maxLength:"255" writeOnly:"true"`
		Code              string `json:"code,omitempty" maxLength:"16" writeOnly:"true" doc:"The authenticator's current six-digit code"`
		RecoveryCode      string `json:"recovery_code,omitempty" maxLength:"32" writeOnly:"true" doc:"One of the recovery codes, instead of a code; each works once"`
	}
}

// oneCode checks that exactly one of code and recovery is given.
func oneCode(code, recovery string) error {
	if (code == "") == (recovery == "") {
		return errs.Invalidf("body.code", "send either code or recovery_code")
	}
	return nil
}

func (s *Service) handleCompleteSignIn(ctx context.Context, in *SecondFactorInput) (*SessionOutput, error) {
	if err := oneCode(in.Body.Code, in.Body.RecoveryCode); err != nil {
		return nil, err
	}
	sess, err := s.CompleteSignIn(ctx, in.Body.SecondFactorToken, in.Body.Code, in.Body.RecoveryCode)
	if err != nil {
		return nil, err
	}
	return s.sessionOutput(&in.CookieRequest, sess), nil
}

// TOTPEnrolmentOutput is a started enrolment.
type TOTPEnrolmentOutput struct {
	Body struct {
		Secret     string `json:"secret" doc:"The shared secret, base32, for typing into an authenticator app"`
		OTPAuthURI string `json:"otpauth_uri" doc:"The same as an otpauth:// URI, for a QR code"`
		Digits     int    `json:"digits" example:"6"`
		Period     int    `json:"period" example:"30" doc:"Seconds per code"`
	}
}

func (s *Service) handleStartTOTP(ctx context.Context, _ *struct{}) (*TOTPEnrolmentOutput, error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.StartTOTP(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &TOTPEnrolmentOutput{}
	out.Body.Secret, out.Body.OTPAuthURI, out.Body.Digits, out.Body.Period = e.Secret, e.URI, totpDigits, totpPeriod
	return out, nil
}

// ConfirmTOTPInput carries the first code of a new authenticator.
type ConfirmTOTPInput struct {
	Body struct {
		Code string `json:"code" minLength:"6" maxLength:"16" doc:"The authenticator's current six-digit code"`
	}
}

// RecoveryCodesOutput carries the recovery codes, shown once.
type RecoveryCodesOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		RecoveryCodes []string `json:"recovery_codes" doc:"Ten single-use codes that replace a TOTP code; shown only now"`
	}
}

func (s *Service) handleConfirmTOTP(ctx context.Context, in *ConfirmTOTPInput) (*RecoveryCodesOutput, error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	codes, err := s.ConfirmTOTP(ctx, p.UserID, in.Body.Code)
	if err != nil {
		return nil, err
	}
	out := &RecoveryCodesOutput{CacheControl: "no-store"}
	out.Body.RecoveryCodes = codes
	return out, nil
}

// DisableTOTPInput proves the user: the password and a current code or a recovery code.
type DisableTOTPInput struct {
	Body struct {
		Password     string `json:"password" maxLength:"1024" writeOnly:"true"`
		Code         string `json:"code,omitempty" maxLength:"16" writeOnly:"true"`
		RecoveryCode string `json:"recovery_code,omitempty" maxLength:"32" writeOnly:"true"`
	}
}

func (s *Service) handleDisableTOTP(ctx context.Context, in *DisableTOTPInput) (*httpapi.NoContent, error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if err := oneCode(in.Body.Code, in.Body.RecoveryCode); err != nil {
		return nil, err
	}
	return &httpapi.NoContent{}, s.DisableTOTP(ctx, p.UserID, in.Body.Password, in.Body.Code, in.Body.RecoveryCode)
}

// TenantSecurity are a tenant's security settings.
type TenantSecurity struct {
	RequireTwoFactor bool `json:"require_two_factor" doc:"Admins and owners must have a second factor to use the tenant's operations"`
}

// TenantSecurityOutput are the tenant's security settings.
type TenantSecurityOutput struct {
	Body TenantSecurity
}

// TenantSecurityInput changes them.
type TenantSecurityInput struct {
	Body TenantSecurity
}

func (s *Service) handleGetTenantSecurity(ctx context.Context, _ *struct{}) (*TenantSecurityOutput, error) {
	req, err := s.TwoFactorRequired(ctx)
	if err != nil {
		return nil, err
	}
	return &TenantSecurityOutput{Body: TenantSecurity{RequireTwoFactor: req}}, nil
}

func (s *Service) handleSetTenantSecurity(ctx context.Context, in *TenantSecurityInput) (*TenantSecurityOutput, error) {
	if err := s.SetTwoFactorRequired(ctx, in.Body.RequireTwoFactor); err != nil {
		return nil, err
	}
	return &TenantSecurityOutput{Body: in.Body}, nil
}
