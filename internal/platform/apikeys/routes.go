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

// Routes registers the API-key operations (two lines a row: see httpapi.Routes). Creating a key
// admits no API key at all; listing and revoking admit a key with the dedicated api-keys:manage
// scope, which no default includes.
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	httpapi.DescribeTag(api, "API keys", "Tenant API keys for machines: created by owners, limited by scopes (see the apiKey security scheme).")
	keys := httpapi.NewRoutes(api, log).Tag("API keys")
	const nf, cf = http.StatusNotFound, http.StatusConflict

	httpapi.Post(keys.Location("/api/v1/api-keys/{id}"), "/api/v1/api-keys", "create-api-key", httpapi.Owner(""),
		s.handleCreate, "Create an API key (the secret is shown once)", 201, cf)
	httpapi.Get(keys, "/api/v1/api-keys", "list-api-keys", httpapi.Owner("api-keys:manage"),
		s.handleList, "List API keys, newest first")
	httpapi.Get(keys, "/api/v1/api-keys/{id}", "get-api-key", httpapi.Owner("api-keys:manage"),
		s.handleGet, "Get an API key", nf)
	httpapi.Delete(keys, "/api/v1/api-keys/{id}", "revoke-api-key", httpapi.Owner("api-keys:manage"),
		s.handleRevoke, "Revoke an API key; it stops working on the next request", 204, nf)
	documentScopes(api, s.scopes)
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

// ScopeList is a list of scope names. Its items enumerate the scope catalogue (documentScopes), so
// the OpenAPI document lists, and validation accepts, exactly the scopes that exist.
type ScopeList []string

// Schema implements huma.SchemaProvider; the enumeration of the items is added by documentScopes.
func (ScopeList) Schema(huma.Registry) *huma.Schema {
	max := 64
	return &huma.Schema{Type: huma.TypeArray, MaxItems: &max, UniqueItems: true,
		Items: &huma.Schema{Type: huma.TypeString}, Examples: []any{[]string{"spaces:read"}}}
}

// documentScopes writes the catalogue's scope names into the schema of a new key's scopes. A
// schema provider knows no catalogue (it is a method of the type), so the registered schema is
// completed here, before the server serves a request.
func documentScopes(api huma.API, catalogue tenancy.ScopeCatalogue) {
	op := api.OpenAPI().Paths["/api/v1/api-keys"].Post
	body := api.OpenAPI().Components.Schemas.SchemaFromRef(op.RequestBody.Content["application/json"].Schema.Ref)
	items := body.Properties["scopes"].Items
	items.Enum = nil
	for _, s := range catalogue.All() {
		items.Enum = append(items.Enum, s.Name)
	}
	items.PrecomputeMessages()
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
	key := func(k KeyView) pageKey { return pageKey{k.CreatedAt, uuid.MustParse(k.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *pageKey) ([]KeyView, error) {
		keys, err := s.List(ctx, size, after)
		views := make([]KeyView, 0, len(keys))
		for _, k := range keys {
			views = append(views, view(k))
		}
		return views, err
	})
	return &ListOutput{Body: page}, err
}

// GetOutput is one key.
type GetOutput struct {
	Body KeyView
}

func (s *Service) handleGet(ctx context.Context, in *httpapi.IDInput) (*GetOutput, error) {
	k, err := s.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &GetOutput{Body: view(k)}, nil
}

func (s *Service) handleRevoke(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.Revoke(ctx, in.ID)
}
