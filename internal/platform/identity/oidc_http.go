package identity

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// ssoRoutes registers single sign-on: admins read the tenant's provider, owners store or remove
// it (a provider can vouch for any member, the owners included, so only owners choose it); anyone
// starts a sign-in and comes back through the callback. No API key reaches the configuration.
func (s *Service) ssoRoutes(api huma.API, log *slog.Logger) {
	rt := httpapi.NewRoutes(api, log)
	sso, identity := rt.Tag("Single sign-on"), rt.Tag("Identity")
	public := httpapi.Access{Class: httpapi.Public}
	const nf = http.StatusNotFound

	httpapi.Get(sso, "/api/v1/sso/oidc", "get-sso-oidc", httpapi.Admin(""),
		s.handleGetSSO, "The tenant's OpenID Connect provider (never its client secret)", nf)
	httpapi.Put(sso, "/api/v1/sso/oidc", "put-sso-oidc", httpapi.Owner(""),
		s.handlePutSSO, "Set the tenant's OpenID Connect provider")
	httpapi.Delete(sso, "/api/v1/sso/oidc", "delete-sso-oidc", httpapi.Owner(""),
		s.handleDeleteSSO, "Remove the tenant's OpenID Connect provider", 204, nf)
	httpapi.Add(identity, startSSOOperation(api, nf), public, s.handleStartSSO)
	httpapi.Get(identity, "/api/v1/auth/oidc/callback", "sso-oidc-callback", public,
		s.handleSSOCallback, "Finish an OpenID Connect sign-in: the provider sends the browser here with a code",
		http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict, http.StatusServiceUnavailable)
}

// SSOView is a tenant's provider in responses.
type SSOView struct {
	Issuer          string    `json:"issuer" format:"uri"`
	ClientID        string    `json:"client_id"`
	ClientSecretSet bool      `json:"client_secret_set" doc:"Always true: the client secret is stored sealed and never returned"`
	AllowedDomains  []string  `json:"allowed_domains"`
	RedirectURI     string    `json:"redirect_uri" format:"uri" doc:"The callback to register at the provider"`
	SignInURL       string    `json:"sign_in_url" format:"uri" doc:"Where the tenant's users start signing in"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// SSOOutput is a tenant's provider.
type SSOOutput struct {
	Body SSOView
}

func (s *Service) ssoOutput(ctx context.Context, c SSO) (*SSOOutput, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.tenantSlug(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	return &SSOOutput{Body: SSOView{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecretSet: true, AllowedDomains: c.AllowedDomains,
		RedirectURI: s.oidcRedirectURI(), SignInURL: s.oidcStartURL(t), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}}, nil
}

func (s *Service) handleGetSSO(ctx context.Context, _ *struct{}) (*SSOOutput, error) {
	c, err := s.GetSSO(ctx)
	if err != nil {
		return nil, err
	}
	return s.ssoOutput(ctx, c)
}

// SSOInput is the provider an owner stores.
type SSOInput struct {
	Body struct {
		Issuer         string   `json:"issuer" format:"uri" maxLength:"500" example:"https://login.example.com" doc:"The provider's issuer; its discovery document is at ISSUER/.well-known/openid-configuration. https (http only on a loopback address)"`
		ClientID       string   `json:"client_id" minLength:"1" maxLength:"500" example:"tenantry"`
		ClientSecret   string   `json:"client_secret" minLength:"1" maxLength:"1000" writeOnly:"true" doc:"Stored sealed (AES-256-GCM), never returned"`
		AllowedDomains []string `json:"allowed_domains" minItems:"1" maxItems:"50" doc:"E-mail domains whose verified addresses may sign in, such as example.com (exact match, no subdomains)"`
	}
}

func (s *Service) handlePutSSO(ctx context.Context, in *SSOInput) (*SSOOutput, error) {
	b := in.Body
	c, err := s.PutSSO(ctx, SSOUpdate{Issuer: b.Issuer, ClientID: b.ClientID, ClientSecret: b.ClientSecret, AllowedDomains: b.AllowedDomains})
	if err != nil {
		return nil, err
	}
	return s.ssoOutput(ctx, c)
}

func (s *Service) handleDeleteSSO(ctx context.Context, _ *struct{}) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeleteSSO(ctx)
}

// SSOStartInput names the tenant to sign in to.
type SSOStartInput struct {
	Tenant string `query:"tenant" required:"true" minLength:"1" maxLength:"63" pattern:"^[a-z0-9-]+$" example:"harbour-parking" doc:"The tenant's slug"`
	Accept string `header:"Accept" maxLength:"1024" doc:"application/json for the 200 answer with the URL; otherwise a 302 to it"`
}

// SSOStart is the JSON answer of start-sso-oidc, for an application that navigates by itself.
type SSOStart struct {
	AuthorizationURL string `json:"authorization_url" format:"uri" doc:"The provider's authorization endpoint, with state, nonce and the PKCE challenge: send the browser there"`
}

// SSOStartOutput is either answer of start-sso-oidc: it writes its own status and headers, since
// the two answers differ in both (see startSSOOperation).
type SSOStartOutput struct {
	Body func(huma.Context)
}

// startSSOOperation declares start-sso-oidc's two answers: a browser (any Accept without
// application/json) gets the 302 to the provider; a client that asks for JSON gets 200 with the
// same URL, and sends its browser there itself.
func startSSOOperation(api huma.API, errs ...int) huma.Operation {
	str := &huma.Schema{Type: huma.TypeString}
	body := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[SSOStart](), true, "")
	noStore := &huma.Param{Description: "no-store", Schema: str}
	return huma.Operation{OperationID: "start-sso-oidc", Method: http.MethodGet, Path: "/api/v1/auth/oidc/start",
		Summary: "Start signing in to a tenant with its OpenID Connect provider: a redirect to the provider",
		Description: "A browser is redirected (302) to the provider's authorization endpoint. A client that sends " +
			"`Accept: application/json` gets 200 with that URL instead, and sends its browser there itself.",
		DefaultStatus: http.StatusOK, Errors: errs,
		Responses: map[string]*huma.Response{
			"200": {Description: "The provider's authorization URL (Accept: application/json)",
				Headers: map[string]*huma.Param{"Cache-Control": noStore},
				Content: map[string]*huma.MediaType{"application/json": {Schema: body}}},
			"302": {Description: "A redirect to the provider's authorization endpoint (browsers)",
				Headers: map[string]*huma.Param{"Cache-Control": noStore, "Location": {Schema: str,
					Description: "The provider's authorization endpoint, with state, nonce and the PKCE challenge"}}},
		}}
}

func (s *Service) handleStartSSO(ctx context.Context, in *SSOStartInput) (*SSOStartOutput, error) {
	to, err := s.StartSSO(ctx, in.Tenant)
	if err != nil {
		return nil, err
	}
	return &SSOStartOutput{Body: func(hc huma.Context) {
		hc.SetHeader("Cache-Control", "no-store")
		if !acceptsJSON(in.Accept) {
			hc.SetHeader("Location", to)
			hc.SetStatus(http.StatusFound)
			return
		}
		hc.SetHeader("Content-Type", "application/json")
		hc.SetStatus(http.StatusOK)
		_ = json.NewEncoder(hc.BodyWriter()).Encode(SSOStart{AuthorizationURL: to})
	}}, nil
}

// acceptsJSON reports whether an Accept header names application/json (a browser's does not).
func acceptsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(mt), "application/json") {
			return true
		}
	}
	return false
}

// SSOCallbackInput is what the provider sends back (RFC 6749 §4.1.2).
type SSOCallbackInput struct {
	CookieRequest
	State string `query:"state" required:"true" minLength:"1" maxLength:"255" doc:"The state the sign-in started with"`
	Code  string `query:"code" maxLength:"2048" doc:"The authorization code"`
	Error string `query:"error" maxLength:"255" doc:"Set by the provider when it refused"`
}

func (s *Service) handleSSOCallback(ctx context.Context, in *SSOCallbackInput) (*SessionOutput, error) {
	if in.Error != "" || in.Code == "" {
		_, _ = s.takeLogin(ctx, in.State) // the provider refused: the state is spent all the same
		return nil, s.ssoRefused(ctx, "provider_error", errSSOFailed, nil)
	}
	sess, err := s.SSOCallback(ctx, in.State, in.Code)
	if err != nil {
		return nil, err
	}
	return s.sessionOutput(&in.CookieRequest, sess), nil
}

// tenantSlug reads the slug of the tenant in ctx's scope.
func (s *Service) tenantSlug(ctx context.Context, tenant tenancy.TenantID) (string, error) {
	t, err := postgres.Get(ctx, s.db, func(q postgres.Querier, _ uuid.UUID) (store.GetTenantRow, error) {
		return store.New(q).GetTenant(ctx, tenant.UUID())
	})
	return t.Slug, err
}
