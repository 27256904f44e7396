package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Credentials are what a request presented, and the operation it asks for.
type Credentials struct {
	Bearer    string // the token from "Authorization: Bearer ..." (an access JWT or a staff grant token)
	APIKey    string // the X-API-Key header
	Operation string // the operation id, for authenticators that audit every use (staff grants)
	Method    string // the HTTP method: read-only credentials admit only GET and HEAD
}

// StaffTokenPrefix starts every platform-staff grant token.
const StaffTokenPrefix = "tnr_stf_"

// Dispatch sends each kind of credential to its authenticator. A request must present exactly one
// credential; a kind with no authenticator is refused.
type Dispatch struct {
	Bearer Authenticator // access JWTs
	APIKey Authenticator // X-API-Key
	Staff  Authenticator // bearer tokens starting with StaffTokenPrefix
}

// Authenticate implements Authenticator.
func (d Dispatch) Authenticate(ctx context.Context, c Credentials) (Caller, error) {
	var a Authenticator
	switch {
	case c.Bearer != "" && c.APIKey != "":
		return Caller{}, errs.E(errs.Unauthorized, "send one credential, not two")
	case c.APIKey != "":
		a = d.APIKey
	case strings.HasPrefix(c.Bearer, StaffTokenPrefix):
		a = d.Staff
	default:
		a = d.Bearer
	}
	if a == nil {
		return Caller{}, errs.E(errs.Unauthorized, "invalid credentials")
	}
	return a.Authenticate(ctx, c)
}

// Caller is who the credentials belong to, as established by the Authenticator.
type Caller struct {
	Principal tenancy.Principal
	Tenant    tenancy.TenantID // zero for a user with no tenant
	Role      tenancy.Role     // the member's role, or the key's ceiling
	Scopes    []string         // API-key scopes
}

// Authenticator verifies credentials. It returns an error of kind Unauthorized for anything it
// does not accept; it never sees an operation, so it cannot be tempted to authorize.
type Authenticator interface {
	Authenticate(ctx context.Context, c Credentials) (Caller, error)
}

// FailureLimit bounds refused credentials per client address (the rate limiter's AuthFailure
// policy). Both methods return nil or an error of kind RateLimited.
type FailureLimit interface {
	// BeforeCredentials refuses a client that spent its budget, before its credentials are
	// checked: such a request reads and writes nothing.
	BeforeCredentials(ctx context.Context) error
	// CredentialsRefused counts one refused credential; its error replaces the 401.
	CredentialsRefused(ctx context.Context) error
}

// DeniedFunc records an authorization denial (a security event): an authenticated caller refused
// an operation by its access declaration. It must not fail the request; it logs its own errors.
type DeniedFunc func(ctx context.Context, c Caller, operation string)

// authorize is the Huma middleware that enforces every operation's Access declaration. It runs
// before input parsing, so an unauthorized request is refused before its body is read. It adds the
// operation, and then the caller's tenant, to the request's metadata (tenancy.Request).
func authorize(api huma.API, log *slog.Logger, authn Authenticator, failures FailureLimit, denied DeniedFunc) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation().OperationID
		info := infoFrom(ctx.Context())
		info.setOperation(op)
		req := tenancy.RequestFrom(ctx.Context())
		req.Operation = op
		rctx := tenancy.WithRequest(ctx.Context(), req)
		a, ok := AccessOf(ctx.Operation())
		if !ok { // deny by default
			log.ErrorContext(ctx.Context(), "operation without access declaration", "operation", op)
			fail(api, ctx, log, errs.E(errs.Internal, "internal error"))
			return
		}
		if a.Class == Public {
			pctx := huma.WithContext(ctx, rctx)
			if a.Viewer {
				pctx = withViewer(pctx, authn)
			}
			next(pctx)
			return
		}
		creds := credentialsOf(ctx)
		creds.Operation, creds.Method = op, ctx.Method()
		if creds.Bearer == "" && creds.APIKey == "" {
			fail(api, ctx, log, errs.ErrUnauthorized)
			return
		}
		caller, err := authenticate(rctx, authn, failures, creds)
		if err != nil {
			fail(api, ctx, log, err)
			return
		}
		info.setCaller(caller)
		req.Tenant = caller.Tenant
		rctx = tenancy.WithRequest(rctx, req)
		std, err := admit(rctx, a, caller)
		if err != nil {
			if denied != nil && errs.KindOf(err) == errs.Forbidden {
				denied(rctx, caller, op)
			}
			fail(api, ctx, log, err)
			return
		}
		next(huma.WithContext(ctx, std))
	}
}

// authenticate checks creds, within the client's budget of refused credentials when failures is set.
func authenticate(ctx context.Context, authn Authenticator, failures FailureLimit, creds Credentials) (Caller, error) {
	if failures == nil {
		return authn.Authenticate(ctx, creds)
	}
	if err := failures.BeforeCredentials(ctx); err != nil {
		return Caller{}, err
	}
	caller, err := authn.Authenticate(ctx, creds)
	if errs.KindOf(err) == errs.Unauthorized {
		if lerr := failures.CredentialsRefused(ctx); lerr != nil {
			return Caller{}, lerr
		}
	}
	return caller, err
}

// Admission is a check that runs on every operation right after authentication and before the
// input is parsed, such as the rate limiter's (ratelimit.Service.Middleware). The operation is
// ctx.Operation(); the caller is in ctx.Context() (tenancy.FromContext, tenancy.PrincipalFromContext,
// tenancy.RequestFrom). It either calls next, with ctx or a context wrapping it, and returns nil;
// or returns an error without calling next, which the client gets as its problem (ProblemOf). The
// health probes skip every admission check: they must answer however busy the server is.
type Admission func(ctx huma.Context, next func(huma.Context)) error

// probes are the operations no Admission runs on. /metrics and /docs are not Huma operations and
// never reach one either.
var probes = map[string]bool{"health-live": true, "health-ready": true}

// admission is the Huma middleware that runs a, and writes its error as a problem.
func admission(api huma.API, log *slog.Logger, a Admission) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if probes[ctx.Operation().OperationID] || innerRead(ctx.Context()) {
			next(ctx)
			return
		}
		if err := a(ctx, next); err != nil {
			fail(api, ctx, log, err)
		}
	}
}

// admit decides whether caller may run an operation declared with a, and returns the context the
// handler runs with (carrying the principal, and the tenant scope when the class needs one).
func admit(ctx context.Context, a Access, c Caller) (context.Context, error) {
	ctx = tenancy.WithPrincipal(ctx, c.Principal)
	isKey := c.Principal.Kind == tenancy.PrincipalAPIKey
	switch a.Class {
	case Authenticated: // a signed-in user: neither keys nor staff grants have a user
		if isKey || c.Principal.Kind == tenancy.PrincipalStaff {
			return nil, errs.ErrForbidden
		}
		if c.Tenant.IsZero() {
			return ctx, nil
		}
	case Platform:
		if c.Principal.Kind != tenancy.PrincipalStaff {
			return nil, errs.ErrForbidden
		}
	case Tenant, OwnerOnly:
		if c.Tenant.IsZero() {
			return nil, errs.ErrNoTenant
		}
		if isKey && (a.Scope == "" || !slices.Contains(c.Scopes, a.Scope)) {
			return nil, errs.E(errs.Forbidden, "the API key lacks the required scope")
		}
		if !c.Role.AtLeast(a.Role) {
			return nil, errs.E(errs.Forbidden, "your role does not allow this")
		}
	}
	return tenancy.WithScope(ctx, tenancy.Scope{Tenant: c.Tenant, Principal: c.Principal, Role: c.Role, Scopes: c.Scopes})
}

func credentialsOf(ctx huma.Context) Credentials {
	var c Credentials
	if h := ctx.Header("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		c.Bearer = strings.TrimSpace(h[7:])
	}
	c.APIKey = strings.TrimSpace(ctx.Header("X-API-Key"))
	return c
}

func fail(api huma.API, ctx huma.Context, log *slog.Logger, err error) {
	p := ProblemOf(ctx.Context(), log, err)
	if errors.Is(err, tenancy.ErrNoScope) {
		p = ProblemOf(ctx.Context(), log, errs.ErrNoTenant)
	}
	for k, vs := range p.headers {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	if p.Type != "about:blank" { // a problem with its own type (a precise refusal): sent as it is
		body, _ := json.Marshal(p)
		ctx.SetHeader("Content-Type", "application/problem+json")
		ctx.SetStatus(p.Status)
		_, _ = ctx.BodyWriter().Write(body)
		return
	}
	_ = huma.WriteErr(api, ctx, p.Status, p.Detail, problemFields(p)...)
}

// problemFields carries a Problem's field errors through huma.WriteErr (which rebuilds the body).
func problemFields(p *Problem) []error {
	out := make([]error, 0, len(p.Errors))
	for _, f := range p.Errors {
		out = append(out, &huma.ErrorDetail{Location: f.Location, Message: f.Message})
	}
	return out
}
