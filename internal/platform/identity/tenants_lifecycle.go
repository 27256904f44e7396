package identity

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// tenantRoutes registers the tenant lifecycle: a signed-in user creates another tenant (and owns
// it); owners rename theirs, change its slug and delete it (tenants_delete.go). There is no path naming another tenant: the
// tenant changed is always the one the caller's token is bound to.
func (s *Service) tenantRoutes(api huma.API, log *slog.Logger, hooks []TenantCreated) {
	rt := httpapi.NewRoutes(api, log).Tag("Tenant")
	const cf = http.StatusConflict
	httpapi.Post(rt.Location("/api/v1/tenant"), "/api/v1/tenants", "create-tenant", httpapi.Access{Class: httpapi.Authenticated},
		s.handleCreateTenant(hooks), "Create another tenant, which you own; answers a session in it", 201, cf, 403)
	httpapi.Patch(rt, "/api/v1/tenant", "update-tenant", httpapi.Owner(""),
		s.handleUpdateTenant, "Rename the current tenant or change its slug", cf)
	httpapi.Delete(rt, "/api/v1/tenant", "delete-tenant", httpapi.Owner(""),
		s.handleDeleteTenant, "Delete the current tenant, confirmed by repeating its slug; its sessions, keys and links stop working", 204)
}

// slugPattern is what a tenant slug may be (the tenants table checks the same).
var slugPattern = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)

// errSlugTaken is the answer to a slug that is in use, whose tenant it names no more than the
// registration's answer does.
const errSlugTaken = "the tenant slug is already in use"

// NewTenant is the result of creating a tenant.
type NewTenant struct {
	TenantID tenancy.TenantID
	Session  Session
}

// CreateTenant creates a tenant owned by user, runs the products' TenantCreated hooks and opens a
// session in it, in one transaction. A taken slug is a generic Conflict.
func (s *Service) CreateTenant(ctx context.Context, user tenancy.UserID, name, slug string, hooks ...TenantCreated) (NewTenant, error) {
	slug = strings.TrimSpace(slug)
	if !slugPattern.MatchString(slug) {
		return NewTenant{}, errs.Invalidf("body.slug", "use 1 to 63 lowercase letters, digits and dashes")
	}
	out := NewTenant{TenantID: tenancy.TenantID(tenancy.NewID())}
	sctx, err := userScope(ctx, out.TenantID, user, tenancy.RoleOwner)
	if err != nil {
		return NewTenant{}, err
	}
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		if err := st.InsertTenant(sctx, store.InsertTenantParams{ID: out.TenantID.UUID(), Name: name, Slug: slug}); err != nil {
			return err
		}
		err := st.InsertMembership(sctx, store.InsertMembershipParams{TenantID: out.TenantID.UUID(), ID: tenancy.NewID(), UserID: user.UUID(), Role: string(tenancy.RoleOwner)})
		if err != nil {
			return err
		}
		if out.Session, err = s.issue(sctx, q, out.TenantID, user, tenancy.RoleOwner, tenancy.NewID(), uuid.Nil); err != nil {
			return err
		}
		for _, h := range hooks {
			if err := h(sctx, q, out.TenantID); err != nil {
				return err
			}
		}
		return audit.Record(sctx, q, audit.Event{Action: "tenant.create", TargetType: "tenant", TargetID: out.TenantID.String()})
	})
	if errs.Is(err, errs.Conflict) {
		err = errs.Wrap(errs.Conflict, errSlugTaken, err)
	}
	if err != nil {
		return NewTenant{}, fmt.Errorf("identity: create tenant: %w", err)
	}
	return out, nil
}

// TenantChange is a rename and/or a new slug; nil leaves a field as it is.
type TenantChange struct {
	Name, Slug *string
}

// UpdateTenant changes the scope's tenant's name and/or slug. An empty change is Invalid; a taken
// slug a generic Conflict.
func (s *Service) UpdateTenant(ctx context.Context, c TenantChange) (TenantView, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return TenantView{}, err
	}
	if c.Name == nil && c.Slug == nil {
		return TenantView{}, errs.Invalidf("body", "send name, slug or both")
	}
	p := store.UpdateTenantParams{ID: sc.Tenant.UUID()}
	if c.Name != nil {
		p.Name = pgtype.Text{String: *c.Name, Valid: true}
	}
	if c.Slug != nil {
		slug := strings.TrimSpace(*c.Slug)
		if !slugPattern.MatchString(slug) {
			return TenantView{}, errs.Invalidf("body.slug", "use 1 to 63 lowercase letters, digits and dashes")
		}
		p.Slug = pgtype.Text{String: slug, Valid: true}
	}
	var v TenantView
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		t, err := store.New(q).UpdateTenant(ctx, p)
		if err != nil {
			return err
		}
		v = TenantView{ID: t.ID.String(), Name: t.Name, Slug: t.Slug}
		return audit.Record(ctx, q, audit.Event{Action: "tenant.update", TargetType: "tenant", TargetID: sc.Tenant.String(),
			Details: map[string]any{"name": c.Name != nil, "slug": c.Slug != nil}})
	})
	if errs.Is(err, errs.Conflict) {
		err = errs.Wrap(errs.Conflict, errSlugTaken, err)
	}
	if err != nil {
		return TenantView{}, fmt.Errorf("identity: update tenant: %w", err)
	}
	return v, nil
}

// CreateTenantInput names the new tenant.
type CreateTenantInput struct {
	CookieRequest
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200" example:"Harbour Parking North"`
		Slug string `json:"slug" pattern:"^[a-z0-9-]+$" minLength:"1" maxLength:"63" example:"harbour-north"`
	}
}

// CreateTenantOutput is the new tenant and a session in it (the caller's current token stays
// bound to the tenant it was; the client switches by using the new session).
type CreateTenantOutput struct {
	SessionCookies
	Body struct {
		Tenant  TenantView `json:"tenant"`
		Role    string     `json:"role" example:"owner"`
		Session Session    `json:"session" doc:"A session in the new tenant"`
	}
}

func (s *Service) handleCreateTenant(hooks []TenantCreated) func(context.Context, *CreateTenantInput) (*CreateTenantOutput, error) {
	return func(ctx context.Context, in *CreateTenantInput) (*CreateTenantOutput, error) {
		p, err := accountPrincipal(ctx)
		if err != nil {
			return nil, err
		}
		t, err := s.CreateTenant(ctx, p.UserID, in.Body.Name, in.Body.Slug, hooks...)
		if err != nil {
			return nil, err
		}
		out := &CreateTenantOutput{}
		out.SetCookie = s.sessionCookies(&in.CookieRequest, &t.Session)
		out.Body.Tenant = TenantView{ID: t.TenantID.String(), Name: in.Body.Name, Slug: strings.TrimSpace(in.Body.Slug)}
		out.Body.Role, out.Body.Session = string(tenancy.RoleOwner), t.Session
		return out, nil
	}
}

// UpdateTenantInput changes the current tenant; members left out stay as they are.
type UpdateTenantInput struct {
	Body struct {
		Name *string `json:"name,omitempty" minLength:"1" maxLength:"200"`
		Slug *string `json:"slug,omitempty" pattern:"^[a-z0-9-]+$" minLength:"1" maxLength:"63"`
	}
}

// UpdateTenantOutput is the changed tenant.
type UpdateTenantOutput struct {
	Body TenantView
}

func (s *Service) handleUpdateTenant(ctx context.Context, in *UpdateTenantInput) (*UpdateTenantOutput, error) {
	v, err := s.UpdateTenant(ctx, TenantChange{Name: in.Body.Name, Slug: in.Body.Slug})
	if err != nil {
		return nil, err
	}
	return &UpdateTenantOutput{Body: v}, nil
}
