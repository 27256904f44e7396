package ratelimit

import (
	"context"

	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// BlockedAction is the audit action of a rate-limit block.
const BlockedAction = "security.rate_limited"

// Block is one refused request worth recording.
type Block struct {
	Policy    string
	Limit     Limit
	Principal tenancy.Principal // zero for anonymous callers
}

// BlockRecorder records rate-limit blocks as security events. The Service calls it at most once
// per bucket per window.
type BlockRecorder interface {
	RecordBlock(ctx context.Context, b Block) error
}

// AuditLog records blocks in the audit log: in the tenant's log (its owners see it) when ctx
// carries a tenant scope, else in the global security log with the user, when known. The row gets
// the request id and client address from ctx; the details name the policy and limit only.
type AuditLog struct{ DB *postgres.DB }

// RecordBlock writes the event.
func (a AuditLog) RecordBlock(ctx context.Context, b Block) error {
	e := audit.Event{
		Action: BlockedAction, TargetType: "rate_limit_policy", TargetID: b.Policy, Outcome: audit.Denied,
		Details: map[string]any{"policy": b.Policy, "limit": b.Limit.String()},
	}
	if _, err := tenancy.FromContext(ctx); err == nil {
		return a.DB.Tx(ctx, func(q postgres.Querier) error { return audit.Record(ctx, q, e) })
	}
	return audit.RecordSecurity(ctx, a.DB, b.Principal.UserID, e)
}
