package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// auditWindowMin is the shortest window in which one key's blocks are recorded once.
const auditWindowMin = time.Minute

// Config configures a Service.
type Config struct {
	Limiter   Limiter          // where budgets are kept (required): Memory, or Fallback over Redis
	Limits    map[string]Limit // limits by policy; policies left out keep their Defaults
	Overrides Overrides        // per-tenant overrides of TenantPolicies; nil for none
	Blocks    BlockRecorder    // records blocks as security events; nil for none
	Metrics   *Metrics         // nil for none
	Log       *slog.Logger     // nil discards
}

// Service applies the policies to requests: Admit for the HTTP layer, Account for sign-in.
type Service struct {
	limiter   Limiter
	limits    map[string]Limit
	overrides Overrides
	blocks    BlockRecorder
	metrics   *Metrics
	log       *slog.Logger
	blocked   blocked // addresses that spent their AuthFailure budget (failures.go)
}

// New returns the service, or an error naming an invalid or unknown limit.
func New(c Config) (*Service, error) {
	if c.Limiter == nil {
		return nil, errors.New("ratelimit: a limiter is required")
	}
	limits := Defaults()
	for name, l := range c.Limits {
		if !known(name) {
			return nil, fmt.Errorf("ratelimit: unknown policy %q", name)
		}
		if err := l.Validate(); err != nil {
			return nil, fmt.Errorf("ratelimit: policy %s: %w", name, err)
		}
		limits[name] = l
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{limiter: c.Limiter, limits: limits, overrides: c.Overrides, blocks: c.Blocks, metrics: c.Metrics, log: c.Log}, nil
}

// Limits returns the limits in force by policy (before tenant overrides).
func (s *Service) Limits() map[string]Limit { return maps.Clone(s.limits) }

// Checked is one bucket's outcome.
type Checked struct {
	Policy string
	Result Result
}

// Decision is the outcome of admitting one request: every bucket it was counted against, in order.
// A denied decision ends with the bucket that refused it.
type Decision struct {
	Allowed bool
	Checks  []Checked
}

// Binding returns the bucket that decides what the client should be told: the one that refused the
// request, or the one with the fewest requests left. ok is false when nothing was checked.
func (d Decision) Binding() (c Checked, ok bool) {
	for i, x := range d.Checks {
		if i == 0 || !x.Result.Allowed || x.Result.Remaining < c.Result.Remaining {
			c, ok = x, true
		}
		if !x.Result.Allowed {
			break
		}
	}
	return c, ok
}

// Err returns nil for an allowed decision, else an error of kind RateLimited whose chain holds
// an *Exceeded with the decision (the HTTP layer turns it into the 429 headers).
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return errs.Wrap(errs.RateLimited, "too many requests", &Exceeded{Decision: d})
}

// Exceeded is the cause of a RateLimited error: the decision that refused the request.
type Exceeded struct{ Decision Decision }

// Error names the policy that refused the request.
func (e *Exceeded) Error() string {
	c, _ := e.Decision.Binding()
	return "rate limit " + c.Policy + " exceeded"
}

// Admit counts the request against its buckets (see Request.checks) and returns the decision. A
// store failure never refuses a request: Fallback answers from memory instead, and any other
// Limiter's error admits the request with a logged warning. Admit returns an error only for a
// policy it does not know, a programming error.
func (s *Service) Admit(ctx context.Context, r Request) (Decision, error) {
	checks := r.checks()
	limits := s.limits
	if !r.Tenant.IsZero() && s.overrides != nil && slices.ContainsFunc(checks, func(c check) bool { return tenantPolicy(c.policy) }) {
		limits = s.tenantLimits(ctx, r.Tenant)
	}
	d := Decision{Allowed: true}
	for _, c := range checks {
		l, ok := limits[c.policy]
		if !ok {
			return Decision{}, fmt.Errorf("ratelimit: operation %s: unknown policy %q", r.Operation, c.policy)
		}
		res, err := s.limiter.Allow(ctx, c.key, l)
		if err != nil {
			s.log.WarnContext(ctx, "rate limit: store failed; request admitted", "policy", c.policy, "err", err)
			continue
		}
		s.metrics.decided(c.policy, res.Allowed)
		d.Checks = append(d.Checks, Checked{Policy: c.policy, Result: res})
		if !res.Allowed {
			d.Allowed = false
			s.recordBlock(ctx, c, l, r.Principal)
			break
		}
	}
	return d, nil
}

// Account counts one sign-in attempt for an account, named by the e-mail address as typed (it is
// trimmed and lower-cased, and only a hash of it is kept). It returns nil while the account has
// budget, and otherwise an error of kind RateLimited that the HTTP layer answers with 429 and the
// rate-limit headers. It is the per-account budget alone; the identity service counts sign-ins with
// SignIn, which adds the per-source budget and spares known devices.
func (s *Service) Account(ctx context.Context, account string) error {
	c := check{policy: Account, key: accountKey(account)}
	l := s.limits[Account]
	res, err := s.limiter.Allow(ctx, c.key, l)
	if err != nil {
		s.log.WarnContext(ctx, "rate limit: store failed; sign-in attempt admitted", "policy", Account, "err", err)
		return nil
	}
	s.metrics.decided(Account, res.Allowed)
	if res.Allowed {
		return nil
	}
	s.recordBlock(ctx, c, l, tenancy.Principal{})
	return Decision{Checks: []Checked{{Policy: Account, Result: res}}}.Err()
}

// tenantLimits returns the limits with the tenant's overrides applied; a failed read leaves the
// defaults in force.
func (s *Service) tenantLimits(ctx context.Context, t tenancy.TenantID) map[string]Limit {
	o, err := s.overrides.Overrides(ctx, t)
	if err != nil {
		s.log.WarnContext(ctx, "rate limit: tenant overrides unavailable; defaults apply", "err", err)
		return s.limits
	}
	if len(o) == 0 {
		return s.limits
	}
	out := maps.Clone(s.limits)
	for name, l := range o {
		if tenantPolicy(name) && l.Validate() == nil {
			out[name] = l
		}
	}
	return out
}

func tenantPolicy(name string) bool { return slices.Contains(TenantPolicies, name) }

// recordBlock records a block as a security event, at most once per key per window (the limit's
// period, at least a minute): the same limiter that refused the request keeps that budget, so an
// attacker cannot turn the limiter into a write amplifier, on one instance or on many.
func (s *Service) recordBlock(ctx context.Context, c check, l Limit, p tenancy.Principal) {
	if s.blocks == nil {
		return
	}
	window := max(l.Period, auditWindowMin)
	res, err := s.limiter.Allow(ctx, "audit:"+c.key, Limit{Rate: 1, Period: window, Burst: 1})
	if err != nil || !res.Allowed {
		return
	}
	if err := s.blocks.RecordBlock(ctx, Block{Policy: c.policy, Limit: l, Principal: p}); err != nil {
		s.log.ErrorContext(ctx, "rate limit: recording the block failed", "policy", c.policy, "err", err)
	}
}
