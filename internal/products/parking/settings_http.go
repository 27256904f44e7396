package parking

import (
	"context"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// SettingsOutput is the tenant's parking settings.
type SettingsOutput struct {
	Body Settings
}

func (s *Service) handleGetSettings(ctx context.Context, _ *struct{}) (*SettingsOutput, error) {
	set, err := s.GetSettings(ctx)
	return &SettingsOutput{Body: set}, err
}

// UpdateSettingsInput replaces the settings.
type UpdateSettingsInput struct {
	Body struct {
		MaxReservationMinutes int32 `json:"max_reservation_minutes" minimum:"15" maximum:"43200"`
		NoShowMinutes         int32 `json:"no_show_minutes" minimum:"0" maximum:"1440"`
		ReadingsRetentionDays int32 `json:"readings_retention_days" minimum:"1" maximum:"3650"`
		StateRetentionDays    int32 `json:"state_retention_days" minimum:"1" maximum:"3650"`
		// Added with device health: optional, so that clients of the first four fields keep working;
		// a PUT without them sets their defaults.
		GatewayOfflineMinutes *int32 `json:"gateway_offline_minutes,omitempty" minimum:"2" maximum:"10080" doc:"Default 15"`
		LowBatteryPercent     *int32 `json:"low_battery_percent,omitempty" minimum:"1" maximum:"99" doc:"Default 20"`
	}
}

func (s *Service) handleUpdateSettings(ctx context.Context, in *UpdateSettingsInput) (*SettingsOutput, error) {
	b, def := in.Body, DefaultSettings()
	set, err := s.UpdateSettings(ctx, Settings{MaxReservationMinutes: b.MaxReservationMinutes, NoShowMinutes: b.NoShowMinutes,
		ReadingsRetentionDays: b.ReadingsRetentionDays, StateRetentionDays: b.StateRetentionDays,
		GatewayOfflineMinutes: derefOr(b.GatewayOfflineMinutes, def.GatewayOfflineMinutes), LowBatteryPercent: derefOr(b.LowBatteryPercent, def.LowBatteryPercent)})
	return &SettingsOutput{Body: set}, err
}

// IngestSecretOutput is a new ingest signing secret, shown once.
type IngestSecretOutput struct {
	Body struct {
		Secret          string `json:"secret" doc:"Shown only now"`
		TimestampHeader string `json:"timestamp_header"`
		SignatureHeader string `json:"signature_header"`
		Scheme          string `json:"scheme"`
	}
}

func (s *Service) handleRotateIngestSecret(ctx context.Context, _ *struct{}) (*IngestSecretOutput, error) {
	secret, err := s.RotateIngestSecret(ctx)
	if err != nil {
		return nil, err
	}
	out := &IngestSecretOutput{}
	out.Body.Secret, out.Body.TimestampHeader, out.Body.SignatureHeader = secret, TimestampHeader, SignatureHeader
	out.Body.Scheme = "sha256=hex(HMAC-SHA256(secret, timestamp + \".\" + body)), timestamp within 300 s of the server's clock"
	return out, nil
}

func (s *Service) handleRemoveIngestSecret(ctx context.Context, _ *struct{}) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.RemoveIngestSecret(ctx)
}
