package identity

import (
	"context"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// reach is how far a session goes: every tenant of the account (a sign-in with the account's own
// credentials), or only the tenant it was opened in (a sign-in through that tenant's single
// sign-on: the tenant's provider vouches for the address there and nowhere else, so its owner,
// who chooses the provider, must not reach the account's other tenants through it).
type reach bool

const (
	anyTenant      reach = false
	thisTenantOnly reach = true
)

// errTenantOnly refuses an account action to a session that reaches only its tenant.
var errTenantOnly = errs.E(errs.Forbidden, "this session was opened by the tenant's single sign-on and acts only within that tenant; "+
	"sign in with your password to switch or create tenants or to change your password or second factor")

// accountPrincipal returns the caller of an action on the account itself (switch tenants, create
// a tenant, change the password or the second factor), which a session of reach thisTenantOnly
// may not take.
func accountPrincipal(ctx context.Context) (tenancy.Principal, error) {
	p, err := tenancy.PrincipalFromContext(ctx)
	if err != nil {
		return p, errs.ErrUnauthorized
	}
	if p.TenantOnly {
		return p, errTenantOnly
	}
	return p, nil
}
