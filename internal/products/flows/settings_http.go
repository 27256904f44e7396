package flows

import "context"

// FlowsSettingsOutput is the tenant's flows settings.
type FlowsSettingsOutput struct {
	Body FlowsSettings
}

func (s *Service) handleGetSettings(ctx context.Context, _ *struct{}) (*FlowsSettingsOutput, error) {
	set, err := s.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	return &FlowsSettingsOutput{Body: set}, nil
}

// UpdateFlowsSettingsInput changes the tenant's flows settings. The body admits only the fields below:
// any other key (rate_limits, tenant_id, ...) is refused with 422 before anything runs.
type UpdateFlowsSettingsInput struct {
	Body struct {
		_                 struct{} `additionalProperties:"false"`
		AllowPublicShares *bool    `json:"allow_public_shares,omitempty" doc:"Allow share links that anyone holding the link can open"`
	}
}

func (s *Service) handleUpdateSettings(ctx context.Context, in *UpdateFlowsSettingsInput) (*FlowsSettingsOutput, error) {
	set, err := s.UpdateSettings(ctx, FlowsSettingsChange{AllowPublicShares: in.Body.AllowPublicShares})
	if err != nil {
		return nil, err
	}
	return &FlowsSettingsOutput{Body: set}, nil
}
