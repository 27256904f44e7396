package flows

import "context"

// SettingsOutput is the tenant's flows settings.
type SettingsOutput struct {
	Body Settings
}

func (s *Service) handleGetSettings(ctx context.Context, _ *struct{}) (*SettingsOutput, error) {
	set, err := s.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	return &SettingsOutput{Body: set}, nil
}

// UpdateSettingsInput changes the tenant's flows settings. The body admits only the fields below:
// any other key (rate_limits, tenant_id, ...) is refused with 422 before anything runs.
type UpdateSettingsInput struct {
	Body struct {
		_                 struct{} `additionalProperties:"false"`
		AllowPublicShares *bool    `json:"allow_public_shares,omitempty" doc:"Allow share links that anyone holding the link can open"`
	}
}

func (s *Service) handleUpdateSettings(ctx context.Context, in *UpdateSettingsInput) (*SettingsOutput, error) {
	set, err := s.UpdateSettings(ctx, SettingsChange{AllowPublicShares: in.Body.AllowPublicShares})
	if err != nil {
		return nil, err
	}
	return &SettingsOutput{Body: set}, nil
}
