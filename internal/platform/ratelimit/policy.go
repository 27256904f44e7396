package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// The policies. Each has a default limit (Defaults) that configuration can change; the ones in
// TenantPolicies can also be overridden per tenant (Overrides).
const (
	Principal = "principal"  // per API key or user (or staff grant), on every authenticated operation
	Tenant    = "tenant"     // per tenant, on every operation of a caller with a tenant
	IP        = "ip"         // per client address, on every public operation without a policy of its own
	Login     = "login"      // per client address, on sign-in and refresh
	Account   = "account"    // per account (e-mail), counted by the identity service (Service.SignIn)
	ShareLink = "share-link" // per client address, on share-link access (operations name it themselves)
	// AuthFailure is per client address, on refused credentials (bad API keys, bad or revoked bearer
	// tokens): once spent, the address is refused before its credentials are checked.
	AuthFailure = "auth-failure"
	Ingest      = "ingest" // per tenant, on ingest operations (ids starting "ingest-"), instead of principal and tenant
	// AccountSource is per account and source (client address, or a known device), counted by the
	// identity service before Account (Service.SignIn).
	AccountSource = "account-source"
)

// Policies lists every policy name.
var Policies = []string{Principal, Tenant, IP, Login, Account, AccountSource, ShareLink, Ingest, AuthFailure}

// TenantPolicies are the policies a tenant's settings may override.
var TenantPolicies = []string{Principal, Tenant, Ingest}

// Defaults returns the default limits. They are generous for people and scripts and strict where
// credentials are guessed: 600 requests a minute per principal, 3,000 per tenant, 300 per address
// on public operations, 20 sign-ins or refreshes a minute per address, 10 sign-ins per account and
// source (address or known device) and 30 per account in 10 minutes, 30 share-link accesses a
// minute per address, 6,000 ingested messages a minute per tenant, 60 refused credentials a minute
// per address.
func Defaults() map[string]Limit {
	per := func(rate int, period time.Duration) Limit { return Limit{Rate: rate, Period: period, Burst: rate} }
	return map[string]Limit{
		Principal: per(600, time.Minute),
		Tenant:    per(3000, time.Minute),
		IP:        per(300, time.Minute),
		Login:     per(20, time.Minute),
		Account:   per(30, 10*time.Minute),
		// AccountSource: one address guessing one account is stopped well before the account's
		// own budget is spent, so it alone never slows the owner down elsewhere.
		AccountSource: per(10, 10*time.Minute),
		ShareLink:     per(30, time.Minute),
		Ingest:        per(6000, time.Minute),
		// AuthFailure: a client whose token expired retries a few times before it refreshes;
		// someone trying keys or tokens gets 60 tries a minute, and then only 429s.
		AuthFailure: per(60, time.Minute),
	}
}

func known(policy string) bool { return slices.Contains(Policies, policy) }

// OperationPolicy returns the policy an operation is limited by because of its id: Login for
// "login", "complete-sign-in" (its second factor), "refresh", the password-reset operations and
// "complete-email-change" (token guessing), Ingest for ids starting "ingest-", and "" (the
// caller's policies) for the rest. An operation can also name its policy itself (httpapi.RateLimitPolicy).
func OperationPolicy(operationID string) string {
	switch {
	case operationID == "login", operationID == "complete-sign-in", operationID == "refresh", operationID == "request-password-reset", operationID == "reset-password",
		operationID == "complete-email-change":
		return Login
	case strings.HasPrefix(operationID, "ingest-"):
		return Ingest
	}
	return ""
}

// Request is what the HTTP layer knows about a request when it asks for admission.
type Request struct {
	Operation string            // the operation id
	Policy    string            // the policy the operation names for itself; "" = OperationPolicy
	Tenant    tenancy.TenantID  // the caller's tenant; zero for none
	Principal tenancy.Principal // the caller; zero Kind for anonymous
	IP        netip.Addr        // the client address
}

func (r Request) anonymous() bool {
	return r.Principal.Kind == "" || r.Principal.Kind == tenancy.PrincipalAnon
}

// check is one bucket a request is counted against.
type check struct {
	policy string
	key    string
}

// checks returns the buckets r is counted against, narrowest first: a principal's excess is then
// refused before it spends its tenant's budget.
func (r Request) checks() []check {
	policy := r.Policy
	if policy == "" {
		policy = OperationPolicy(r.Operation)
	}
	switch {
	case policy != "" && r.anonymous():
		return []check{{policy, policy + ":ip:" + addrKey(r.IP)}}
	case policy != "" && !r.Tenant.IsZero():
		return []check{{policy, policy + ":tenant:" + r.Tenant.String()}}
	case policy != "":
		return []check{{policy, policy + ":" + principalKey(r.Principal)}}
	case r.anonymous():
		return []check{{IP, IP + ":" + addrKey(r.IP)}}
	}
	out := []check{{Principal, Principal + ":" + principalKey(r.Principal)}}
	if !r.Tenant.IsZero() {
		out = append(out, check{Tenant, Tenant + ":" + r.Tenant.String()})
	}
	return out
}

// principalKey names a principal: its API key or staff grant id, else its user id.
func principalKey(p tenancy.Principal) string {
	switch {
	case p.Kind == tenancy.PrincipalAPIKey || p.Kind == tenancy.PrincipalStaff:
		return string(p.Kind) + ":" + p.KeyID
	case !p.UserID.IsZero():
		return "user:" + p.UserID.String()
	}
	return string(p.Kind) + ":" + p.KeyID
}

// addrKey names a client address; IPv6 clients are counted per /64, the block one subscriber
// usually holds, so rotating through its addresses buys nothing.
func addrKey(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// accountKey names an account without putting the e-mail address in the store.
func accountKey(account string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(account))))
	return Account + ":" + hex.EncodeToString(sum[:16])
}
