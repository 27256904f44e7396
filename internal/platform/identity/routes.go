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

// Routes registers identity's operations: one table, each with its access declaration.
func (s *Service) Routes(api huma.API, log *slog.Logger, hooks ...TenantCreated) {
	public := httpapi.Access{Class: httpapi.Public}
	signedIn := httpapi.Access{Class: httpapi.Authenticated}
	tags := []string{"Identity"}

	httpapi.Register(api, log, huma.Operation{OperationID: "register", Method: http.MethodPost, Path: "/api/v1/auth/register",
		Summary: "Sign up: create a user, a tenant and the owner membership", Tags: tags,
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict}}, public, s.handleRegister(hooks))
	httpapi.Register(api, log, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/v1/auth/login",
		Summary: "Sign in with e-mail and password", Tags: tags}, public, s.handleLogin)
	httpapi.Register(api, log, huma.Operation{OperationID: "refresh", Method: http.MethodPost, Path: "/api/v1/auth/refresh",
		Summary: "Rotate a refresh token for a new session", Tags: tags}, public, s.handleRefresh)
	httpapi.Register(api, log, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout",
		Summary: "End the session a refresh token belongs to", Tags: tags, DefaultStatus: http.StatusNoContent}, public, s.handleLogout)
	httpapi.Register(api, log, huma.Operation{OperationID: "switch-tenant", Method: http.MethodPost, Path: "/api/v1/auth/switch-tenant",
		Summary: "Open a session in another tenant you belong to", Tags: tags, Errors: []int{http.StatusNotFound}}, signedIn, s.handleSwitch)
	httpapi.Register(api, log, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/api/v1/me",
		Summary: "The calling user, the current tenant and role, and all memberships", Tags: tags}, signedIn, s.handleMe)
	httpapi.Register(api, log, huma.Operation{OperationID: "get-tenant", Method: http.MethodGet, Path: "/api/v1/tenant",
		Summary: "The current tenant", Tags: []string{"Tenant"}},
		httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleViewer, Scope: "tenant:read"}, s.handleGetTenant)

	// Members and invitations: admins manage members below owner; no API key can change them.
	mtags := []string{"Members"}
	read := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleAdmin, Scope: "members:read"}
	admin := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleAdmin}
	owner := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleOwner}
	op := func(id, method, path, summary string, status int, errors ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: mtags, DefaultStatus: status, Errors: errors}
	}
	httpapi.Register(api, log, op("list-members", http.MethodGet, "/api/v1/members", "List members, oldest first", 0), read, s.handleListMembers)
	httpapi.Register(api, log, op("get-member", http.MethodGet, "/api/v1/members/{id}", "Get a member", 0, 404), read, s.handleGetMember)
	httpapi.Register(api, log, op("update-member", http.MethodPatch, "/api/v1/members/{id}", "Change a member's role", 0, 404, 409), admin, s.handleUpdateMember)
	httpapi.Register(api, log, op("remove-member", http.MethodDelete, "/api/v1/members/{id}", "Remove a member", http.StatusNoContent, 404, 409), admin, s.handleRemoveMember)
	httpapi.Register(api, log, op("transfer-ownership", http.MethodPost, "/api/v1/members/{id}/transfer-ownership",
		"Make a member owner; you become admin", 0, 404), owner, s.handleTransfer)
	httpapi.Register(api, log, op("create-invitation", http.MethodPost, "/api/v1/invitations", "Invite someone by e-mail", http.StatusCreated, 409), admin, s.handleInvite)
	httpapi.Register(api, log, op("list-invitations", http.MethodGet, "/api/v1/invitations", "List invitations, newest first", 0), read, s.handleListInvitations)
	httpapi.Register(api, log, op("get-invitation", http.MethodGet, "/api/v1/invitations/{id}", "Get an invitation", 0, 404), read, s.handleGetInvitation)
	httpapi.Register(api, log, op("revoke-invitation", http.MethodDelete, "/api/v1/invitations/{id}", "Revoke an invitation", http.StatusNoContent, 404), admin, s.handleRevokeInvitation)
	httpapi.Register(api, log, op("accept-invitation", http.MethodPost, "/api/v1/invitations/accept",
		"Accept an invitation (new account, or your existing one with its password)", 0, 404, 409, 410), public, s.handleAccept)
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

// RegisterOutput is the result of a sign-up.
type RegisterOutput struct {
	Body struct {
		User    UserView   `json:"user"`
		Tenant  TenantView `json:"tenant"`
		Role    string     `json:"role" example:"owner"`
		Session Session    `json:"session"`
	}
}

func (s *Service) handleRegister(hooks []TenantCreated) func(context.Context, *RegisterInput) (*RegisterOutput, error) {
	return func(ctx context.Context, in *RegisterInput) (*RegisterOutput, error) {
		b := in.Body
		r, err := s.Register(ctx, Registration{Email: b.User.Email, Name: b.User.Name, Password: b.User.Password, TenantName: b.Tenant.Name, Slug: b.Tenant.Slug}, hooks...)
		if err != nil {
			return nil, err
		}
		out := &RegisterOutput{}
		out.Body.User = UserView{ID: r.UserID.String(), Email: b.User.Email, Name: b.User.Name}
		out.Body.Tenant = TenantView{ID: r.TenantID.String(), Name: b.Tenant.Name, Slug: b.Tenant.Slug}
		out.Body.Role = string(tenancy.RoleOwner)
		out.Body.Session = r.Session
		return out, nil
	}
}

// LoginInput is the body of a sign-in.
type LoginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" example:"ana@example.com"`
		Password string `json:"password" maxLength:"1024" writeOnly:"true"`
		Tenant   string `json:"tenant,omitempty" maxLength:"63" doc:"Slug of the tenant to sign in to; default: your first tenant by name"`
	}
}

// SessionOutput is a new session.
type SessionOutput struct {
	Body Session
}

func (s *Service) handleLogin(ctx context.Context, in *LoginInput) (*SessionOutput, error) {
	sess, err := s.Login(ctx, LoginRequest{Email: in.Body.Email, Password: in.Body.Password, Tenant: in.Body.Tenant})
	if err != nil {
		return nil, err
	}
	return &SessionOutput{Body: sess}, nil
}

// RefreshInput carries a refresh token.
type RefreshInput struct {
	Body struct {
		RefreshToken string `json:"refresh_token" minLength:"1" maxLength:"255" writeOnly:"true"`
	}
}

func (s *Service) handleRefresh(ctx context.Context, in *RefreshInput) (*SessionOutput, error) {
	sess, err := s.Refresh(ctx, in.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	return &SessionOutput{Body: sess}, nil
}

func (s *Service) handleLogout(ctx context.Context, in *RefreshInput) (*struct{}, error) {
	return &struct{}{}, s.Logout(ctx, in.Body.RefreshToken)
}

// SwitchInput names the tenant to switch to.
type SwitchInput struct {
	Body struct {
		TenantID string `json:"tenant_id" format:"uuid"`
	}
}

func (s *Service) handleSwitch(ctx context.Context, in *SwitchInput) (*SessionOutput, error) {
	p, err := tenancy.PrincipalFromContext(ctx)
	if err != nil {
		return nil, errs.ErrUnauthorized
	}
	tenant, err := tenancy.ParseTenantID(in.Body.TenantID)
	if err != nil {
		return nil, errs.ErrNotFound
	}
	sess, err := s.SwitchTenant(ctx, p.UserID, tenant)
	if err != nil {
		return nil, err
	}
	return &SessionOutput{Body: sess}, nil
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
