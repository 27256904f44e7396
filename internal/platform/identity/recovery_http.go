package identity

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// recoveryRoutes registers the password, verification and address-change operations (recovery.go,
// verification.go, email_change.go).
func (s *Service) recoveryRoutes(api huma.API, log *slog.Logger) {
	identity := httpapi.NewRoutes(api, log).Tag("Identity")
	public, signedIn := httpapi.Access{Class: httpapi.Public}, httpapi.Access{Class: httpapi.Authenticated}

	httpapi.Post(identity, "/api/v1/auth/password-reset", "request-password-reset", public,
		s.handleResetRequest, "Mail a password-reset token; the same answer whether or not the address has an account", 202)
	httpapi.Post(identity, "/api/v1/auth/password-reset/complete", "reset-password", public,
		s.handleReset, "Set a new password with a reset token; ends every session", 204, http.StatusNotFound, http.StatusGone,
		http.StatusServiceUnavailable)
	httpapi.Post(identity, "/api/v1/auth/verify-email", "verify-email", public,
		s.handleVerify, "Confirm your address with the token mailed at sign-up; signs you in", http.StatusNotFound, http.StatusGone)
	httpapi.Post(identity, "/api/v1/me/password", "change-password", signedIn,
		s.handleChangePassword, "Change your password; ends every session and opens a new one", 403, http.StatusServiceUnavailable)
	httpapi.Post(identity, "/api/v1/me/email", "change-email", signedIn,
		s.handleEmailChange, "Ask to change your address: mails a confirmation token to the new one, a notice to the old one", 202, 403,
		http.StatusServiceUnavailable)
	httpapi.Post(identity, "/api/v1/auth/email-change/complete", "complete-email-change", public,
		s.handleEmailChangeComplete, "Confirm a new address with the token mailed to it; ends every session", 204,
		http.StatusNotFound, http.StatusConflict, http.StatusGone)
}

// EmailChangeInput is the new address and the current password.
type EmailChangeInput struct {
	Body struct {
		NewEmail        string `json:"new_email" format:"email" maxLength:"254" example:"ana@example.org"`
		CurrentPassword string `json:"current_password" maxLength:"1024" writeOnly:"true"`
	}
}

func (s *Service) handleEmailChange(ctx context.Context, in *EmailChangeInput) (*AcceptedOutput, error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequestEmailChange(ctx, p.UserID, in.Body.NewEmail, in.Body.CurrentPassword); err != nil {
		return nil, err
	}
	out := &AcceptedOutput{}
	out.Body.Message = "A confirmation token is on its way to the new address; until it is used, your address stays as it is."
	return out, nil
}

// EmailChangeTokenInput carries an address-change token.
type EmailChangeTokenInput struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"255" writeOnly:"true"`
	}
}

func (s *Service) handleEmailChangeComplete(ctx context.Context, in *EmailChangeTokenInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.CompleteEmailChange(ctx, in.Body.Token)
}

// ResetRequestInput names the account whose password is forgotten.
type ResetRequestInput struct {
	Body struct {
		Email string `json:"email" format:"email" maxLength:"254" example:"ana@example.com"`
	}
}

// AcceptedOutput says a request was taken, and nothing more.
type AcceptedOutput struct {
	Body struct {
		Message string `json:"message"`
	}
}

func (s *Service) handleResetRequest(ctx context.Context, in *ResetRequestInput) (*AcceptedOutput, error) {
	if err := s.RequestPasswordReset(ctx, in.Body.Email); err != nil {
		return nil, err
	}
	out := &AcceptedOutput{}
	out.Body.Message = "If this address has an account, a password-reset token is on its way to it."
	return out, nil
}

// ResetInput is a reset token and the new password.
type ResetInput struct {
	Body struct {
		Token    string `json:"token" minLength:"1" maxLength:"255" writeOnly:"true"`
		Password string `json:"password" minLength:"12" maxLength:"1024" writeOnly:"true" doc:"The new password, at least 12 characters"`
	}
}

func (s *Service) handleReset(ctx context.Context, in *ResetInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.ResetPassword(ctx, in.Body.Token, in.Body.Password)
}

// ChangePasswordInput is the current and the new password.
type ChangePasswordInput struct {
	CookieRequest
	Body struct {
		CurrentPassword string `json:"current_password" maxLength:"1024" writeOnly:"true"`
		NewPassword     string `json:"new_password" minLength:"12" maxLength:"1024" writeOnly:"true" doc:"At least 12 characters"`
	}
}

func (s *Service) handleChangePassword(ctx context.Context, in *ChangePasswordInput) (*SessionOutput, error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := s.ChangePassword(ctx, p.UserID, in.Body.CurrentPassword, in.Body.NewPassword)
	if err != nil {
		return nil, err
	}
	return s.sessionOutput(&in.CookieRequest, sess), nil
}

// VerifyInput carries a verification token.
type VerifyInput struct {
	CookieRequest
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"255" writeOnly:"true"`
	}
}

func (s *Service) handleVerify(ctx context.Context, in *VerifyInput) (*SessionOutput, error) {
	sess, err := s.VerifyEmail(ctx, in.Body.Token)
	if err != nil {
		return nil, err
	}
	return s.sessionOutput(&in.CookieRequest, sess), nil
}
