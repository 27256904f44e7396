package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limit is a GCRA limit: Rate requests per Period on average, with up to Burst at once.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// Validate reports whether l can be enforced.
func (l Limit) Validate() error {
	if l.Rate < 1 || l.Period <= 0 || l.Burst < 1 {
		return fmt.Errorf("ratelimit: limit %s: rate, period and burst must be positive", l)
	}
	if l.Period/time.Duration(l.Rate) <= 0 {
		return fmt.Errorf("ratelimit: limit %s: more than one request per nanosecond", l)
	}
	return nil
}

// String returns l in the syntax ParseLimit reads: "600/1m", or "600/1m:100" when the burst
// differs from the rate.
func (l Limit) String() string {
	s := strconv.Itoa(l.Rate) + "/" + shortDuration(l.Period)
	if l.Burst != l.Rate {
		s += ":" + strconv.Itoa(l.Burst)
	}
	return s
}

// interval is the GCRA emission interval: the time one request's budget takes to come back.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Rate) }

// ParseLimit reads "RATE/PERIOD" or "RATE/PERIOD:BURST", e.g. "600/1m" or "10/10m:3". PERIOD is a
// Go duration; the burst defaults to the rate.
func ParseLimit(s string) (Limit, error) {
	rate, rest, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Limit{}, fmt.Errorf("ratelimit: limit %q: want RATE/PERIOD[:BURST], e.g. 600/1m", s)
	}
	period, burst, hasBurst := strings.Cut(rest, ":")
	var l Limit
	var err error
	if l.Rate, err = strconv.Atoi(rate); err != nil {
		return Limit{}, fmt.Errorf("ratelimit: limit %q: rate is not a whole number", s)
	}
	if l.Period, err = time.ParseDuration(period); err != nil {
		return Limit{}, fmt.Errorf("ratelimit: limit %q: period is not a duration such as 1m", s)
	}
	l.Burst = l.Rate
	if hasBurst {
		if l.Burst, err = strconv.Atoi(burst); err != nil {
			return Limit{}, fmt.Errorf("ratelimit: limit %q: burst is not a whole number", s)
		}
	}
	if err := l.Validate(); err != nil {
		return Limit{}, err
	}
	return l, nil
}

// ParseLimits reads a comma-separated list of POLICY=LIMIT entries, e.g.
// "login=20/1m,tenant=5000/1m". Every policy must be one of Policies.
func ParseLimits(s string) (map[string]Limit, error) {
	out := map[string]Limit{}
	var errList []error
	for entry := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		name, value, ok := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if !ok {
			errList = append(errList, fmt.Errorf("ratelimit: %q: want POLICY=RATE/PERIOD[:BURST]", entry))
			continue
		}
		if !known(name) {
			errList = append(errList, fmt.Errorf("ratelimit: unknown policy %q (known: %s)", name, strings.Join(Policies, ", ")))
			continue
		}
		l, err := ParseLimit(value)
		if err != nil {
			errList = append(errList, err)
			continue
		}
		out[name] = l
	}
	return out, errors.Join(errList...)
}

// shortDuration prints whole minutes and hours without the trailing zero units ("1m", not "1m0s").
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Result is the outcome of one Allow.
type Result struct {
	Allowed    bool
	Limit      Limit
	Remaining  int           // requests that could still be allowed right now
	RetryAfter time.Duration // when denied: how long until one request is allowed; zero when allowed
	ResetAfter time.Duration // how long until the key is back to its full burst
}

// Limiter enforces limits on keys. Allow counts one request for key under limit. It returns an
// error only when its store fails; the result is then meaningless.
type Limiter interface {
	Allow(ctx context.Context, key string, limit Limit) (Result, error)
}
