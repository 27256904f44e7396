package httpapi

import (
	"context"
	"testing"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

func TestAccessValidate(t *testing.T) {
	bad := []Access{{}, {Class: "nope"}, {Class: Tenant}, {Class: Public, Role: tenancy.RoleViewer},
		{Class: Authenticated, Scope: "x"}, {Class: OwnerOnly, Role: tenancy.RoleViewer, Scope: "x"},
		{Class: Tenant, Role: tenancy.RoleViewer, Objects: "nope"}, {Class: OwnerOnly, Role: tenancy.RoleViewer, Objects: Visible},
		{Class: Tenant, Role: tenancy.RoleViewer, Credential: ShareToken}, {Class: Public, Credential: "nope"},
		{Class: Public, Withholds: "scratchpad"}}
	for _, a := range bad {
		if a.Validate() == nil {
			t.Errorf("%+v validated", a)
		}
	}
	good := []Access{{Class: Public}, {Class: Authenticated}, {Class: Platform},
		{Class: Tenant, Role: tenancy.RoleAdmin, Scope: "sites:write"}, {Class: OwnerOnly, Role: tenancy.RoleViewer},
		{Class: Tenant, Role: tenancy.RoleOperator, Objects: Editable}, {Class: Tenant, Role: tenancy.RoleViewer, Objects: Visible},
		{Class: Public, Viewer: true, Credential: ShareToken, Withholds: "scratchpad"}}
	for _, a := range good {
		if err := a.Validate(); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
}

// TestAdmit is the decision table of the access check: class × caller → allowed or the error kind.
func TestAdmit(t *testing.T) {
	tenant := tenancy.TenantID(tenancy.NewID())
	user := tenancy.UserID(tenancy.NewID())
	member := func(r tenancy.Role) Caller {
		return Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: user}, Tenant: tenant, Role: r}
	}
	key := func(r tenancy.Role, scopes ...string) Caller {
		return Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalAPIKey, UserID: user, KeyID: "k"}, Tenant: tenant, Role: r, Scopes: scopes}
	}
	noTenant := Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: user}}
	adminWrite := Access{Class: Tenant, Role: tenancy.RoleAdmin, Scope: "sites:write"}
	cases := []struct {
		name   string
		access Access
		caller Caller
		want   errs.Kind // Internal means allowed
	}{
		{"admin op, owner", adminWrite, member(tenancy.RoleOwner), errs.Internal},
		{"admin op, admin", adminWrite, member(tenancy.RoleAdmin), errs.Internal},
		{"admin op, operator", adminWrite, member(tenancy.RoleOperator), errs.Forbidden},
		{"admin op, viewer", adminWrite, member(tenancy.RoleViewer), errs.Forbidden},
		{"admin op, no tenant", adminWrite, noTenant, errs.Forbidden},
		{"admin op, key with scope", adminWrite, key(tenancy.RoleAdmin, "sites:write"), errs.Internal},
		{"admin op, key without scope", adminWrite, key(tenancy.RoleAdmin, "sites:read"), errs.Forbidden},
		{"admin op, key with scope but viewer ceiling", adminWrite, key(tenancy.RoleViewer, "sites:write"), errs.Forbidden},
		{"keyless op, key", Access{Class: Tenant, Role: tenancy.RoleViewer}, key(tenancy.RoleOwner, "sites:write"), errs.Forbidden},
		{"owner-only op, key", Access{Class: OwnerOnly, Role: tenancy.RoleViewer}, key(tenancy.RoleOwner), errs.Forbidden},
		{"authenticated op, no tenant", Access{Class: Authenticated}, noTenant, errs.Internal},
		{"authenticated op, key", Access{Class: Authenticated}, key(tenancy.RoleOwner), errs.Forbidden},
		{"platform op, owner", Access{Class: Platform}, member(tenancy.RoleOwner), errs.Forbidden},
		{"authenticated op, staff", Access{Class: Authenticated}, Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalStaff, KeyID: "g"}, Tenant: tenant, Role: tenancy.RoleViewer}, errs.Forbidden},
		{"viewer op, read-only staff", Access{Class: Tenant, Role: tenancy.RoleViewer, Scope: "tenant:read"}, Caller{Principal: tenancy.Principal{Kind: tenancy.PrincipalStaff, KeyID: "g"}, Tenant: tenant, Role: tenancy.RoleViewer}, errs.Internal},
	}
	for _, c := range cases {
		ctx, err := admit(context.Background(), c.access, c.caller)
		got := errs.Internal
		if err != nil {
			got = errs.KindOf(err)
			if got == errs.Internal {
				t.Errorf("%s: unclassified error %v", c.name, err)
			}
		}
		if got != c.want {
			t.Errorf("%s: got %v (%v), want %v", c.name, got, err, c.want)
			continue
		}
		if err == nil && c.access.Class == Tenant {
			if s, err := tenancy.FromContext(ctx); err != nil || s.Tenant != tenant {
				t.Errorf("%s: admitted without the caller's scope: %v", c.name, err)
			}
		}
	}
}
