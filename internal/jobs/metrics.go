package jobs

import (
	"context"
	"fmt"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/telemetry"
)

// countByKindAndState is the scrape-time read of the queue: one aggregate over river_job (no
// tenant data: kinds and states only). Completed jobs stay until River's cleaner removes them
// after 24 hours, so the figure for completed is the last day's.
const countByKindAndState = `SELECT kind, state::text, count(*) FROM river_job GROUP BY kind, state`

// Metrics returns the collector of tenantry_jobs{kind,state}: River jobs by kind and state
// (available, scheduled, running, retryable, completed, discarded, cancelled, pending), read from
// river_job at each scrape, in a transaction bound to no tenant (river_job holds none).
func Metrics(db *postgres.DB) *telemetry.Gauges {
	return telemetry.NewGauges("tenantry_jobs", "River jobs by kind and state, read from river_job at scrape time.",
		[]string{"kind", "state"}, func(ctx context.Context) ([]telemetry.Count, error) {
			var out []telemetry.Count
			err := db.Global(ctx, func(q postgres.Querier) error {
				rows, err := q.Query(ctx, countByKindAndState)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var kind, state string
					var n int64
					if err := rows.Scan(&kind, &state, &n); err != nil {
						return err
					}
					out = append(out, telemetry.Count{Labels: []string{kind, state}, Value: float64(n)})
				}
				return rows.Err()
			})
			if err != nil {
				return nil, fmt.Errorf("jobs: metrics: %w", err)
			}
			return out, nil
		})
}
