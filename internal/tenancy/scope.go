package tenancy

import (
	"context"
	"errors"
	"slices"
)

// PrincipalKind says what kind of caller a request runs for.
type PrincipalKind string

// The principal kinds.
const (
	PrincipalUser   PrincipalKind = "user"    // a member, authenticated by an access JWT
	PrincipalAPIKey PrincipalKind = "api_key" // an API key bound to one tenant
	PrincipalStaff  PrincipalKind = "staff"   // platform staff under a time-limited grant
	PrincipalSystem PrincipalKind = "system"  // background work of the service itself
	PrincipalShare  PrincipalKind = "share"   // the holder of a share link, opening that one share (KeyID: the share id)
	PrincipalAnon   PrincipalKind = "anonymous"
)

// Principal is who is calling.
type Principal struct {
	Kind   PrincipalKind
	UserID UserID // the user (for API keys: the member who created the key); zero for anonymous
	KeyID  string // the API key, staff grant or share id, when Kind is api_key, staff or share
	// TenantOnly: a user's session that may act only within its tenant (opened by the tenant's
	// single sign-on): no switching tenants, creating one, or changing the account's password or
	// second factor.
	TenantOnly bool
}

// Scope is what a request runs under: its tenant, principal, role and API-key scopes.
type Scope struct {
	Tenant    TenantID
	Principal Principal
	Role      Role
	Scopes    []string // API-key scopes; empty for members (their role decides)
}

// ErrNoScope is returned when a context carries no valid tenant scope.
var ErrNoScope = errors.New("tenancy: no tenant scope")

// Validate reports whether s can bind a transaction: it needs a tenant and a known role.
func (s Scope) Validate() error {
	if s.Tenant.IsZero() || !s.Role.Valid() || s.Principal.Kind == "" {
		return ErrNoScope
	}
	return nil
}

// HasScope reports whether an API-key scope is granted. Members (no key) are governed by role only.
func (s Scope) HasScope(name string) bool {
	if s.Principal.Kind != PrincipalAPIKey {
		return true
	}
	return slices.Contains(s.Scopes, name)
}

type scopeKey struct{}

// WithScope returns a context carrying s. It returns an error instead of a context when s is invalid,
// so an unvalidated scope can never be carried.
func WithScope(ctx context.Context, s Scope) (context.Context, error) {
	if err := s.Validate(); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, scopeKey{}, s), nil
}

// FromContext returns the scope carried by ctx, or ErrNoScope.
func FromContext(ctx context.Context) (Scope, error) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	if !ok {
		return Scope{}, ErrNoScope
	}
	return s, nil
}

type principalKey struct{}

// WithPrincipal returns a context carrying the authenticated principal. Operations of the
// "authenticated" class (no tenant needed) read it with PrincipalFromContext.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the authenticated principal, or ErrNoPrincipal.
func PrincipalFromContext(ctx context.Context) (Principal, error) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	if !ok || p.Kind == "" || p.Kind == PrincipalAnon {
		return Principal{}, ErrNoPrincipal
	}
	return p, nil
}

// ErrNoPrincipal is returned when a context carries no authenticated principal.
var ErrNoPrincipal = errors.New("tenancy: no authenticated principal")
