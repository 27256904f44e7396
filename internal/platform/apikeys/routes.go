package apikeys

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Routes registers the API-key operations. Creating a key admits no API key at all; listing and
// revoking admit a key with the dedicated api-keys:manage scope, which no default includes.
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	tags := []string{"API keys"}
	manage := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleOwner, Scope: "api-keys:manage"}
	httpapi.Register(api, log, huma.Operation{OperationID: "create-api-key", Method: http.MethodPost, Path: "/api/v1/api-keys",
		Summary: "Create an API key (the secret is shown once)", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict}},
		httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleOwner}, s.handleCreate)
	httpapi.Register(api, log, huma.Operation{OperationID: "list-api-keys", Method: http.MethodGet, Path: "/api/v1/api-keys",
		Summary: "List API keys, newest first", Tags: tags}, manage, s.handleList)
	httpapi.Register(api, log, huma.Operation{OperationID: "get-api-key", Method: http.MethodGet, Path: "/api/v1/api-keys/{id}",
		Summary: "Get an API key", Tags: tags, Errors: []int{http.StatusNotFound}}, manage, s.handleGet)
	httpapi.Register(api, log, huma.Operation{OperationID: "revoke-api-key", Method: http.MethodDelete, Path: "/api/v1/api-keys/{id}",
		Summary: "Revoke an API key; it stops working on the next request", Tags: tags, DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusNotFound}}, manage, s.handleRevoke)
}

// KeyView is an API key in responses; it never carries the secret.
type KeyView struct {
	ID         string     `json:"id" format:"uuid"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	Role       string     `json:"role" doc:"The key's role ceiling; its effective role is also capped by its creator's current role"`
	CreatedBy  string     `json:"created_by" format:"uuid"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" doc:"Updated at most once a minute"`
	CreatedAt  time.Time  `json:"created_at"`
}

func view(k Key) KeyView {
	return KeyView{ID: k.ID.String(), Name: k.Name, Scopes: k.Scopes, Role: string(k.Role), CreatedBy: k.CreatedBy.String(),
		ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt, CreatedAt: k.CreatedAt}
}

// CreateInput is the body of a new key.
type CreateInput struct {
	Body struct {
		Name      string     `json:"name" minLength:"1" maxLength:"100" example:"occupancy-dashboard"`
		Scopes    ScopeList  `json:"scopes,omitempty" doc:"Scopes from the catalogue; default: the read scopes"`
		Role      string     `json:"role,omitempty" enum:"owner,admin,operator,viewer" doc:"Optional role ceiling below yours"`
		ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"Optional expiry"`
	}
}

// ScopeList is a list of scope names; its schema enumerates the scope catalogue, so the OpenAPI
// document always lists exactly the scopes that exist.
type ScopeList []string

// Schema implements huma.SchemaProvider.
func (ScopeList) Schema(huma.Registry) *huma.Schema {
	var names []any
	for _, s := range tenancy.ScopeCatalogue() {
		names = append(names, s.Name)
	}
	max := 64
	return &huma.Schema{Type: huma.TypeArray, MaxItems: &max, UniqueItems: true,
		Items: &huma.Schema{Type: huma.TypeString, Enum: names}, Examples: []any{[]string{"spaces:read"}}}
}

// CreateOutput is a new key with its secret.
type CreateOutput struct {
	Body struct {
		KeyView
		Key string `json:"key" doc:"The secret API key, shown only in this response; send it as X-API-Key"`
	}
}

func (s *Service) handleCreate(ctx context.Context, in *CreateInput) (*CreateOutput, error) {
	k, secret, err := s.Create(ctx, CreateRequest{Name: in.Body.Name, Scopes: in.Body.Scopes, Role: tenancy.Role(in.Body.Role), ExpiresAt: in.Body.ExpiresAt})
	if err != nil {
		return nil, err
	}
	out := &CreateOutput{}
	out.Body.KeyView, out.Body.Key = view(k), secret
	return out, nil
}

// ListInput pages through keys.
type ListInput struct {
	httpapi.PageInput
}

// ListOutput is a page of keys.
type ListOutput struct {
	Body httpapi.Page[KeyView]
}

func (s *Service) handleList(ctx context.Context, in *ListInput) (*ListOutput, error) {
	p, err := s.List(ctx, in.PageInput)
	if err != nil {
		return nil, err
	}
	out := &ListOutput{Body: httpapi.Page[KeyView]{NextCursor: p.NextCursor, Items: make([]KeyView, 0, len(p.Items))}}
	for _, k := range p.Items {
		out.Body.Items = append(out.Body.Items, view(k))
	}
	return out, nil
}

// IDInput names one key.
type IDInput struct {
	ID uuid.UUID `path:"id" doc:"The key id"`
}

// GetOutput is one key.
type GetOutput struct {
	Body KeyView
}

func (s *Service) handleGet(ctx context.Context, in *IDInput) (*GetOutput, error) {
	k, err := s.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &GetOutput{Body: view(k)}, nil
}

func (s *Service) handleRevoke(ctx context.Context, in *IDInput) (*struct{}, error) {
	return &struct{}{}, s.Revoke(ctx, in.ID)
}
