// Package ratelimit keeps Tenantry's request budgets with GCRA (the generic cell rate algorithm:
// a token bucket stored as one timestamp per key).
//
// A Limiter keeps budgets: Memory in the process (bounded: idle keys are dropped, a full shard
// evicts the key closest to idle), or the Redis limiter of package redislimit, which runs the same
// algorithm in one Lua script so a limit holds across instances. Fallback puts the two together:
// while Redis fails, each instance enforces the limits on its own (see Fallback for why this is
// neither fail-open nor fail-closed).
//
// A Service applies the policies (Policies): authenticated callers are counted per principal and
// then per tenant; anonymous callers per client address; sign-in and refresh, share-link access
// and ingest have limits of their own. Tenants' settings can override some limits (Overrides,
// Settings, Cached). Every block is recorded as a security event (BlockRecorder, AuditLog), at
// most once per bucket per window. Service.Account is the per-account sign-in budget the identity
// service spends before it checks a password.
//
// Service.Middleware is the HTTP side (middleware.go), which the HTTP adapter runs right after
// authentication as an httpapi.Admission: it asks Admit, answers 429 with Retry-After and the
// RateLimit headers when a budget is spent, and otherwise adds the remaining budget to the
// response. An operation names its own policy with the PolicyKey metadata.
package ratelimit
