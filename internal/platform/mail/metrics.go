package mail

import (
	"context"
	"fmt"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/telemetry"
)

var outboxDepth = postgres.Register(postgres.CrossTenant{
	Name: "mail.outbox_depth",
	Why:  "the outbox depth metric counts the unsent messages of all tenants (two numbers leave, no row)",
	SQL: `SELECT count(*) FILTER (WHERE dead_at IS NULL), count(*) FILTER (WHERE dead_at IS NOT NULL)
FROM outbox_messages WHERE sent_at IS NULL`,
	Reads: map[string][]string{"outbox_messages": {"sent_at", "dead_at"}},
})

// OutboxDepth reads the mail outbox's depth for tenantry_outbox_messages{outbox="mail",state}:
// pending (waiting for delivery or a retry) and dead (given up after the last attempt).
func OutboxDepth(db *postgres.DB) telemetry.Counts {
	return func(ctx context.Context) ([]telemetry.Count, error) {
		var pending, dead int64
		if err := db.CrossTenantRow(ctx, outboxDepth, nil, &pending, &dead); err != nil {
			return nil, fmt.Errorf("mail: outbox depth: %w", err)
		}
		return []telemetry.Count{{Labels: []string{"mail", "pending"}, Value: float64(pending)},
			{Labels: []string{"mail", "dead"}, Value: float64(dead)}}, nil
	}
}
