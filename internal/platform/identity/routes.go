package identity

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Routes registers identity's operations: one table, two lines a row (see httpapi.Routes). Admins
// manage members below owner; no API key can change members or invitations.
func (s *Service) Routes(api huma.API, log *slog.Logger, hooks ...TenantCreated) {
	httpapi.DescribeTag(api, "Identity", "Accounts and sessions: sign-up, e-mail verification, sign-in (password, second factor, single sign-on), tokens, password recovery and the signed-in user's own settings.")
	httpapi.DescribeTag(api, "Tenant", "The signed-in tenant: its details, security settings, switching tenants, creating and deleting tenants.")
	httpapi.DescribeTag(api, "Members", "The tenant's members and invitations; admins manage members below owner.")
	httpapi.DescribeTag(api, "Teams", "Teams of members within a tenant; objects shared with a team are visible to its members.")
	httpapi.DescribeTag(api, "Single sign-on", "The tenant's OpenID Connect provider, managed by its owner.")
	rt := httpapi.NewRoutes(api, log)
	identity, tenant, members := rt.Tag("Identity"), rt.Tag("Tenant"), rt.Tag("Members")
	public, signedIn := httpapi.Access{Class: httpapi.Public}, httpapi.Access{Class: httpapi.Authenticated}
	viewer, admin, owner := httpapi.Viewer, httpapi.Admin, httpapi.Owner
	const nf, cf = http.StatusNotFound, http.StatusConflict
	const busy = http.StatusServiceUnavailable // every password hashing slot taken (auth.ErrHashBusy)

	httpapi.Post(identity, "/api/v1/auth/register", "register", public,
		s.handleRegister(hooks), "Sign up: mails a link that verifies the address and signs in; the same answer whether or not the address has an account", 202, cf, busy)
	httpapi.Post(identity, "/api/v1/auth/login", "login", public,
		s.handleLogin, "Sign in with e-mail and password (with a second factor: a challenge to complete)", busy)
	httpapi.Post(identity, "/api/v1/auth/refresh", "refresh", public,
		s.handleRefresh, "Rotate a refresh token for a new session")
	httpapi.Post(identity, "/api/v1/auth/logout", "logout", public,
		s.handleLogout, "End the session a refresh token belongs to", 204)
	httpapi.Post(identity, "/api/v1/auth/switch-tenant", "switch-tenant", signedIn,
		s.handleSwitch, "Open a session in another tenant you belong to (not from a single sign-on session: 403)", nf, 403)
	httpapi.Get(identity, "/api/v1/me", "get-me", signedIn,
		s.handleMe, "The calling user, the current tenant and role, and all memberships")
	httpapi.Get(tenant, "/api/v1/tenant", "get-tenant", viewer("tenant:read"),
		s.handleGetTenant, "The current tenant")

	httpapi.Get(members, "/api/v1/members", "list-members", admin("members:read"),
		s.handleListMembers, "List members, oldest first")
	httpapi.Get(members, "/api/v1/members/{id}", "get-member", admin("members:read"),
		s.handleGetMember, "Get a member", nf)
	httpapi.Patch(members, "/api/v1/members/{id}", "update-member", admin(""),
		s.handleUpdateMember, "Change a member's role", nf, cf)
	httpapi.Delete(members, "/api/v1/members/{id}", "remove-member", admin(""),
		s.handleRemoveMember, "Remove a member", 204, nf, cf)
	httpapi.Post(members, "/api/v1/members/{id}/transfer-ownership", "transfer-ownership", owner(""),
		s.handleTransfer, "Make a member owner; you become admin", nf)
	httpapi.Post(members.Location("/api/v1/invitations/{id}"), "/api/v1/invitations", "create-invitation", admin(""),
		s.handleInvite, "Invite someone by e-mail", 201, cf)
	httpapi.Get(members, "/api/v1/invitations", "list-invitations", admin("members:read"),
		s.handleListInvitations, "List invitations, newest first")
	httpapi.Get(members, "/api/v1/invitations/{id}", "get-invitation", admin("members:read"),
		s.handleGetInvitation, "Get an invitation", nf)
	httpapi.Delete(members, "/api/v1/invitations/{id}", "revoke-invitation", admin(""),
		s.handleRevokeInvitation, "Revoke an invitation", 204, nf)
	httpapi.Post(members, "/api/v1/invitations/accept", "accept-invitation", public,
		s.handleAccept, "Accept an invitation (new account, or your existing one with its password)", nf, cf, 410, busy)
	s.teamRoutes(api, log)
	s.ssoRoutes(api, log)
	s.twoFactorRoutes(api, log)
	s.tenantRoutes(api, log, hooks)
	s.recoveryRoutes(api, log)
}

// TenantOutput is the current tenant.
type TenantOutput struct {
	Body struct {
		TenantView
		Status    string    `json:"status" enum:"active,suspended"`
		CreatedAt time.Time `json:"created_at"`
	}
}

func (s *Service) handleGetTenant(ctx context.Context, _ *struct{}) (*TenantOutput, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	out := &TenantOutput{}
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		t, err := store.New(q).GetTenant(ctx, sc.Tenant.UUID())
		if err != nil {
			return err
		}
		out.Body.TenantView = TenantView{ID: t.ID.String(), Name: t.Name, Slug: t.Slug}
		out.Body.Status, out.Body.CreatedAt = t.Status, t.CreatedAt
		return nil
	})
	return out, err
}

// RegisterInput is the body of a sign-up.
type RegisterInput struct {
	Body struct {
		User struct {
			Email    string `json:"email" format:"email" maxLength:"254" example:"ana@example.com"`
			Name     string `json:"name" minLength:"1" maxLength:"200" example:"Ana Lima"`
			Password string `json:"password" minLength:"12" maxLength:"1024" writeOnly:"true" doc:"At least 12 characters"`
		} `json:"user"`
		Tenant struct {
			Name string `json:"name" minLength:"1" maxLength:"200" example:"Harbour Parking"`
			Slug string `json:"slug" pattern:"^[a-z0-9-]+$" minLength:"1" maxLength:"63" example:"harbour-parking"`
		} `json:"tenant"`
	}
}

// TenantView is a tenant as its members see it.
type TenantView struct {
	ID   string `json:"id" format:"uuid"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// UserView is a user's profile.
type UserView struct {
	ID    string `json:"id" format:"uuid"`
	Email string `json:"email" format:"email"`
	Name  string `json:"name"`
}

func (s *Service) handleRegister(hooks []TenantCreated) func(context.Context, *RegisterInput) (*AcceptedOutput, error) {
	return func(ctx context.Context, in *RegisterInput) (*AcceptedOutput, error) {
		b := in.Body
		_, err := s.Register(ctx, Registration{Email: b.User.Email, Name: b.User.Name, Password: b.User.Password, TenantName: b.Tenant.Name, Slug: b.Tenant.Slug}, hooks...)
		if err != nil {
			return nil, err
		}
		out := &AcceptedOutput{}
		out.Body.Message = "Check your mail: the link in it confirms your address and signs you in."
		return out, nil
	}
}

// LoginInput is the body of a sign-in.
type LoginInput struct {
	CookieRequest
	Body struct {
		Email    string `json:"email" maxLength:"254" example:"ana@example.com"`
		Password string `json:"password" maxLength:"1024" writeOnly:"true"`
		Tenant   string `json:"tenant,omitempty" maxLength:"63" doc:"Slug of the tenant to sign in to; default: your first tenant by name"`
		Device   string `json:"device_token,omitempty" maxLength:"200" writeOnly:"true" doc:"The device_token of an earlier sign-in to this account from this device"`
	}
}

// SessionOutput is a new session.
type SessionOutput struct {
	SessionCookies
	Body Session
}

// sessionOutput answers sess, its refresh token in the cookies when c asks for them.
func (s *Service) sessionOutput(c *CookieRequest, sess Session) *SessionOutput {
	out := &SessionOutput{}
	out.SetCookie = s.sessionCookies(c, &sess)
	out.Body = sess
	return out
}

func (s *Service) handleLogin(ctx context.Context, in *LoginInput) (*LoginOutput, error) {
	sess, err := s.Login(ctx, LoginRequest{Email: in.Body.Email, Password: in.Body.Password, Tenant: in.Body.Tenant, Device: in.Body.Device})
	if err != nil {
		return nil, err
	}
	out := &LoginOutput{}
	out.SetCookie = s.sessionCookies(&in.CookieRequest, &sess)
	out.Body = loginResult(sess)
	return out, nil
}

func (s *Service) handleRefresh(ctx context.Context, in *RefreshInput) (*SessionOutput, error) {
	token, fromCookie, err := s.refreshToken(&in.CookieCredentials, in.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	sess, err := s.Refresh(ctx, token)
	if err != nil {
		return nil, err
	}
	out := &SessionOutput{}
	out.SetCookie = s.moveToCookies(&in.CookieTransport, fromCookie || in.RefreshIn == "cookie", &sess)
	out.Body = sess
	return out, nil
}

// LogoutOutput is an ended session: no body; a logout through the cookie clears the cookies.
type LogoutOutput struct {
	SessionCookies
}

func (s *Service) handleLogout(ctx context.Context, in *LogoutInput) (*LogoutOutput, error) {
	token, fromCookie, err := s.refreshToken(&in.CookieCredentials, in.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	if err := s.Logout(ctx, token); err != nil {
		return nil, err
	}
	out := &LogoutOutput{}
	if fromCookie {
		out.SetCookie = s.clearCookies(&in.CookieTransport)
	}
	return out, nil
}

// SwitchInput names the tenant to switch to.
type SwitchInput struct {
	CookieRequest
	Body struct {
		TenantID string `json:"tenant_id" format:"uuid"`
	}
}

func (s *Service) handleSwitch(ctx context.Context, in *SwitchInput) (*SessionOutput, error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	tenant, err := tenancy.ParseTenantID(in.Body.TenantID)
	if err != nil {
		return nil, errs.ErrNotFound
	}
	sess, err := s.SwitchTenant(ctx, p.UserID, tenant)
	if err != nil {
		return nil, err
	}
	return s.sessionOutput(&in.CookieRequest, sess), nil
}

// MembershipView is one tenant the user belongs to.
type MembershipView struct {
	Tenant TenantView `json:"tenant"`
	Role   string     `json:"role" enum:"owner,admin,operator,viewer"`
}

// MeOutput describes the calling user.
type MeOutput struct {
	Body struct {
		User        UserView         `json:"user"`
		Current     *MembershipView  `json:"current" doc:"The tenant and role of this access token; null when none is selected"`
		Memberships []MembershipView `json:"memberships"`
	}
}

func (s *Service) handleMe(ctx context.Context, _ *struct{}) (*MeOutput, error) {
	p, err := tenancy.PrincipalFromContext(ctx)
	if err != nil {
		return nil, errs.ErrUnauthorized
	}
	u, err := s.Me(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	ms, err := s.Memberships(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &MeOutput{}
	out.Body.User = UserView{ID: u.ID.String(), Email: u.Email, Name: u.Name}
	out.Body.Memberships = make([]MembershipView, 0, len(ms))
	scope, scoped := tenancy.FromContext(ctx)
	for _, m := range ms {
		v := MembershipView{Tenant: TenantView{ID: m.TenantID.String(), Name: m.Name, Slug: m.Slug}, Role: string(m.Role)}
		out.Body.Memberships = append(out.Body.Memberships, v)
		if scoped == nil && scope.Tenant == m.TenantID {
			cur := v
			cur.Role = string(scope.Role)
			out.Body.Current = &cur
		}
	}
	return out, nil
}
