package parking

import (
	"context"
	"fmt"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/telemetry"
)

var downlinkOutboxDepth = postgres.Register(postgres.CrossTenant{
	Name: "parking.downlink_outbox_depth",
	Why:  "the outbox depth metric counts the display downlinks of all tenants still to send (two numbers leave, no row)",
	SQL: `SELECT count(*) FILTER (WHERE generation > sent_generation AND dead_at IS NULL), count(*) FILTER (WHERE dead_at IS NOT NULL)
FROM displays`,
	Reads: map[string][]string{"displays": {"generation", "sent_generation", "dead_at"}},
})

// DownlinkOutboxDepth reads the display downlink outbox's depth for
// tenantry_outbox_messages{outbox="display_downlink",state}: pending (a wanted state not sent yet)
// and dead (given up after the last attempt, until the next change).
func DownlinkOutboxDepth(db *postgres.DB) telemetry.Counts {
	return func(ctx context.Context) ([]telemetry.Count, error) {
		var pending, dead int64
		if err := db.CrossTenantRow(ctx, downlinkOutboxDepth, nil, &pending, &dead); err != nil {
			return nil, fmt.Errorf("parking: downlink outbox depth: %w", err)
		}
		return []telemetry.Count{{Labels: []string{"display_downlink", "pending"}, Value: float64(pending)},
			{Labels: []string{"display_downlink", "dead"}, Value: float64(dead)}}, nil
	}
}
