package ratelimit

import (
	"context"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// SignIn counts one sign-in attempt for an account (the e-mail address as typed; only a hash is
// kept) before the password is checked. It is counted first per account and source (AccountSource):
// the source is the known device when the identity service vouches for one (device: its id, from a
// signed token the device got at an earlier successful sign-in), else the client address (IPv6: /64).
// An attempt the source may still make is then counted per account (Account), unless it comes from a
// known device: a guesser elsewhere can slow the account down (429 with Retry-After, GCRA: never
// longer than one emission interval) but never keep its owner's known devices out. A refused attempt
// is an error of kind RateLimited (429 with the rate-limit headers); a store failure admits it.
func (s *Service) SignIn(ctx context.Context, account, device string) error {
	acct := accountKey(account)
	source := "ip:" + addrKey(tenancy.RequestFrom(ctx).IP)
	if device != "" {
		source = "device:" + device
	}
	checks := []check{{AccountSource, AccountSource + ":" + acct[len(Account)+1:] + ":" + source}}
	if device == "" {
		checks = append(checks, check{Account, acct})
	}
	var d Decision
	for _, c := range checks {
		l := s.limits[c.policy]
		res, err := s.limiter.Allow(ctx, c.key, l)
		if err != nil {
			s.log.WarnContext(ctx, "rate limit: store failed; sign-in attempt admitted", "policy", c.policy, "err", err)
			continue
		}
		s.metrics.decided(c.policy, res.Allowed)
		d.Checks = append(d.Checks, Checked{Policy: c.policy, Result: res})
		if !res.Allowed {
			s.recordBlock(ctx, c, l, tenancy.Principal{})
			return d.Err()
		}
	}
	return nil
}
