package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/products/flows/store"
)

// flowCSAT fills out's satisfaction figures: the answered surveys of the flow's sessions that
// started in the range, counted and averaged in SQL.
func flowCSAT(ctx context.Context, st *store.Queries, tenant uuid.UUID, out *FlowAnalytics) error {
	c, err := st.FlowCSAT(ctx, store.FlowCSATParams{TenantID: tenant, FlowID: out.FlowID, Since: out.From, Until: out.To})
	if err != nil {
		return err
	}
	out.CSATResponses = c.Responses
	if c.Responses > 0 {
		avg := c.Average
		out.CSATAverage = &avg
	}
	return nil
}
