package httpapi

import (
	"context"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/tenancy"
)

type viewerKey struct{}

// ViewerFrom returns the signed-in member who sent a request to a Public operation declared with
// Access.Viewer, and false when the request is anonymous or its token was not accepted. The
// caller's tenant and role are those of the token; the scope of the request is still none.
func ViewerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(viewerKey{}).(Caller)
	return c, ok
}

// withViewer authenticates the optional access token of a Public operation declared with
// Access.Viewer and returns ctx carrying the viewer, or ctx unchanged when there is none to take:
// no bearer token, a token the authenticator refuses, a second credential (X-API-Key), or a staff
// grant token (staff authentication audits every use in the granted tenant; staff open such
// operations anonymously like anyone else). A refused token is ignored, never an error.
//
// The viewer is kept apart from the principal and scope that authorize sets for the other classes,
// so the request stays anonymous to everything else, the rate limiter included (it keeps counting
// the operation per client address).
func withViewer(ctx huma.Context, authn Authenticator) huma.Context {
	c := credentialsOf(ctx)
	if authn == nil || c.Bearer == "" || c.APIKey != "" || strings.HasPrefix(c.Bearer, StaffTokenPrefix) {
		return ctx
	}
	c.Operation, c.Method = ctx.Operation().OperationID, ctx.Method()
	caller, err := authn.Authenticate(ctx.Context(), c)
	if err != nil || caller.Principal.Kind != tenancy.PrincipalUser || caller.Principal.UserID.IsZero() {
		return ctx
	}
	return huma.WithContext(ctx, context.WithValue(ctx.Context(), viewerKey{}, caller))
}
