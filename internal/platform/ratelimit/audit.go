package ratelimit

import (
	"context"
	"fmt"

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
	var err error
	if _, serr := tenancy.FromContext(ctx); serr == nil {
		err = a.DB.Tx(ctx, func(q postgres.Querier) error { return audit.Record(ctx, q, e) })
	} else {
		err = audit.RecordSecurity(ctx, a.DB, b.Principal.UserID, e)
	}
	if err != nil {
		return fmt.Errorf("ratelimit: record block: %w", err)
	}
	return nil
}
