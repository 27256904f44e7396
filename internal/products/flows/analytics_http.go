package flows

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
)

// FlowAnalyticsInput asks for one flow's figures over a time range.
type FlowAnalyticsInput struct {
	FlowID string    `path:"flow_id" format:"uuid" doc:"The flow's id; a flow the caller cannot see answers 404 like a random id"`
	From   time.Time `query:"from" doc:"Sessions that started at or after this time (RFC 3339); default 30 days before to"`
	To     time.Time `query:"to" doc:"Sessions that started before this time (RFC 3339); default now"`
}

// FlowAnalyticsOutput is one flow's figures.
type FlowAnalyticsOutput struct {
	Body FlowAnalytics
}

func (s *Service) handleFlowAnalytics(ctx context.Context, in *FlowAnalyticsInput) (*FlowAnalyticsOutput, error) {
	id, err := uuid.Parse(in.FlowID)
	if err != nil {
		return nil, errs.ErrNotFound
	}
	a, err := s.FlowAnalytics(ctx, id, in.From, in.To)
	if err != nil {
		return nil, err
	}
	return &FlowAnalyticsOutput{Body: a}, nil
}
