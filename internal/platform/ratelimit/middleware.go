package ratelimit

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// PolicyKey is the huma.Operation Metadata key by which an operation names its own rate-limit
// policy, e.g. Metadata: map[string]any{ratelimit.PolicyKey: ratelimit.ShareLink}. Without it the
// policy follows from the operation id (OperationPolicy) and the caller.
const PolicyKey = "tenantry.ratelimit.policy"

// Middleware is the HTTP side of the limits, an httpapi.Admission: the HTTP adapter runs it right
// after authentication, so it knows the caller. It counts the request against its budgets and
// returns the RateLimited error (a 429 with Retry-After and the RateLimit fields, see
// Exceeded.GetHeaders) when one is spent; otherwise it adds the remaining budget to the response
// headers. Its only other error is Admit's, a programming error the client sees as internal.
func (s *Service) Middleware(ctx huma.Context, next func(huma.Context)) error {
	d, err := s.Admit(ctx.Context(), requestOf(ctx.Context(), ctx.Operation()))
	if err != nil {
		return err
	}
	if !d.Allowed {
		return d.Err()
	}
	next(&budgetContext{wrapped: ctx, budget: headers(d)})
	return nil
}

// budgetContext adds the remaining budget to the response when it starts. When the handler itself
// refused the request with a 429 and its own fields (the per-account sign-in limit), the refusal's
// Retry-After and X-RateLimit-* stand, and the budget only adds its members to the RateLimit and
// RateLimit-Policy lists.
type budgetContext struct {
	wrapped
	budget     http.Header
	retryAfter bool // the handler sent a Retry-After
	done       bool
}

// wrapped names the embedded huma.Context, whose method Context would clash with a field Context.
type wrapped = huma.Context

// Unwrap returns the wrapped context (humago.Unwrap walks through it).
func (c *budgetContext) Unwrap() huma.Context { return c.wrapped }

func (c *budgetContext) AppendHeader(name, value string) {
	if http.CanonicalHeaderKey(name) == "Retry-After" {
		c.retryAfter = true
	}
	c.wrapped.AppendHeader(name, value)
}

func (c *budgetContext) SetStatus(code int) {
	c.flush(code)
	c.wrapped.SetStatus(code)
}

func (c *budgetContext) BodyWriter() io.Writer {
	c.flush(0)
	return c.wrapped.BodyWriter()
}

func (c *budgetContext) flush(status int) {
	if c.done {
		return
	}
	c.done = true
	refused := status == http.StatusTooManyRequests && c.retryAfter
	for k, vs := range c.budget {
		switch {
		case !refused:
			c.wrapped.SetHeader(k, vs[0])
		case k == "Ratelimit" || k == "Ratelimit-Policy": // Lists: one more field line is one more member
			c.wrapped.AppendHeader(k, vs[0])
		}
	}
}

// requestOf describes the request for the limiter: the operation, the policy it names, and the
// caller authentication established (scope, else principal, else anonymous).
func requestOf(ctx context.Context, op *huma.Operation) Request {
	r := Request{Operation: op.OperationID, IP: tenancy.RequestFrom(ctx).IP}
	r.Policy, _ = op.Metadata[PolicyKey].(string)
	if s, err := tenancy.FromContext(ctx); err == nil {
		r.Tenant, r.Principal = s.Tenant, s.Principal
	} else if p, err := tenancy.PrincipalFromContext(ctx); err == nil {
		r.Principal = p
	}
	return r
}

// headers describes a decision's buckets in the fields of
// draft-ietf-httpapi-ratelimit-headers (the -09/-10 syntax: one List member per policy, a quoted
// policy name with parameters), and the binding bucket in the de-facto X-RateLimit-* fields:
//
//	RateLimit-Policy: "principal";q=600;w=60, "tenant";q=3000;w=60
//	RateLimit: "principal";r=599;t=1, "tenant";r=2999;t=1
//	X-RateLimit-Limit: 600           (q of the binding bucket)
//	X-RateLimit-Remaining: 599       (r of the binding bucket)
//	X-RateLimit-Reset: 1             (t: seconds until its budget is full again, not a timestamp)
//	Retry-After: 6                   (on 429 only: seconds until one request is allowed)
//
// q and w are the configured rate and period (w in whole seconds); r never exceeds q. No partition
// key (pk) is sent: it would tell a client which key or tenant it is counted under.
func headers(d Decision) http.Header {
	h := http.Header{}
	if len(d.Checks) == 0 {
		return h
	}
	policies := make([]string, 0, len(d.Checks))
	states := make([]string, 0, len(d.Checks))
	for _, c := range d.Checks {
		q, r, t := quota(c)
		policies = append(policies, `"`+c.Policy+`";q=`+strconv.Itoa(q)+";w="+strconv.Itoa(ceilSeconds(c.Result.Limit.Period)))
		states = append(states, `"`+c.Policy+`";r=`+strconv.Itoa(r)+";t="+strconv.Itoa(t))
	}
	h.Set("RateLimit-Policy", strings.Join(policies, ", "))
	h.Set("RateLimit", strings.Join(states, ", "))
	b, _ := d.Binding()
	q, r, t := quota(b)
	h.Set("X-RateLimit-Limit", strconv.Itoa(q))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(r))
	h.Set("X-RateLimit-Reset", strconv.Itoa(t))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(b.Result.RetryAfter))))
	}
	return h
}

// quota returns a bucket's quota, remaining requests and seconds to reset.
func quota(c Checked) (q, r, t int) {
	q = c.Result.Limit.Rate
	return q, min(max(c.Result.Remaining, 0), q), ceilSeconds(c.Result.ResetAfter)
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// GetHeaders returns the headers of the 429 problem (huma.HeadersError, which httpapi.ProblemOf
// reads from the error's chain): those of the decision, so a handler that returns the error of
// Service.Account (the per-account sign-in limit) answers exactly like the middleware.
func (e *Exceeded) GetHeaders() http.Header { return headers(e.Decision) }
