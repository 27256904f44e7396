package tenancy

import (
	"context"
	"net/netip"
)

// Request is what is known about the request a context belongs to: its id and client address from
// the moment it arrives, then the operation and, once the caller is authenticated, the tenant. The
// HTTP adapter fills it in; the audit log and the rate limiter read it. It is metadata for records
// and logs, never an authorization: the tenant a transaction runs under comes from the Scope only.
type Request struct {
	ID        string     // the request id (the X-Request-Id header)
	IP        netip.Addr // the client address
	Operation string     // the operation id; "" until routing has run
	Tenant    TenantID   // the caller's tenant; zero until authentication, and for callers without one
}

type requestKey struct{}

// WithRequest returns a context carrying r, replacing any request ctx carried before.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request ctx belongs to (the zero Request outside a request).
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}
