package parking

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// Settings are a tenant's parking settings.
type Settings struct {
	MaxReservationMinutes int32      `json:"max_reservation_minutes" minimum:"15" maximum:"43200" doc:"Longest reservation; default 1440 (24 h)"`
	NoShowMinutes         int32      `json:"no_show_minutes" minimum:"0" maximum:"1440" doc:"A confirmed reservation nobody checked in to is released this long after its start; 0 turns no-show off; default 15"`
	ReadingsRetentionDays int32      `json:"readings_retention_days" minimum:"1" maximum:"3650" doc:"Readings older than this are deleted; default 30"`
	StateRetentionDays    int32      `json:"state_retention_days" minimum:"1" maximum:"3650" doc:"State history older than this is deleted; default 90"`
	GatewayOfflineMinutes int32      `json:"gateway_offline_minutes" minimum:"2" maximum:"10080" doc:"An active gateway that relayed no uplink for this long is offline; default 15"`
	LowBatteryPercent     int32      `json:"low_battery_percent" minimum:"1" maximum:"99" doc:"A sensor or display whose last status event reported a battery level below this percent is low on battery; default 20"`
	HasIngestSecret       bool       `json:"has_ingest_secret" readOnly:"true" doc:"Ingest requests must be signed (X-Tenantry-Signature)"`
	UpdatedAt             *time.Time `json:"updated_at,omitempty" readOnly:"true"`
}

// DefaultSettings are the settings of a tenant that changed none.
func DefaultSettings() Settings {
	return Settings{MaxReservationMinutes: 1440, NoShowMinutes: 15, ReadingsRetentionDays: 30, StateRetentionDays: 90,
		GatewayOfflineMinutes: 15, LowBatteryPercent: 20}
}

func settingsOf(ctx context.Context, st *store.Queries, tenant uuid.UUID) (Settings, error) {
	r, err := st.GetSettings(ctx, tenant)
	if postgres.IsNoRows(err) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return Settings{}, err
	}
	return Settings{MaxReservationMinutes: r.MaxReservationMinutes, NoShowMinutes: r.NoShowMinutes, ReadingsRetentionDays: r.ReadingsRetentionDays,
		StateRetentionDays: r.StateRetentionDays, GatewayOfflineMinutes: r.GatewayOfflineMinutes, LowBatteryPercent: r.LowBatteryPercent,
		HasIngestSecret: r.HasIngestSecret, UpdatedAt: &r.UpdatedAt}, nil
}

// GetSettings returns the tenant's parking settings.
func (s *Service) GetSettings(ctx context.Context) (Settings, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Settings{}, err
	}
	var out Settings
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = settingsOf(ctx, store.New(q), tenant)
		return err
	})
	if err != nil {
		return Settings{}, fmt.Errorf("parking: get settings: %w", err)
	}
	return out, nil
}

// UpdateSettings replaces the tenant's parking settings (the ingest secret aside).
func (s *Service) UpdateSettings(ctx context.Context, in Settings) (Settings, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Settings{}, err
	}
	var out Settings
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		err := st.UpsertSettings(ctx, store.UpsertSettingsParams{TenantID: tenant, MaxReservationMinutes: in.MaxReservationMinutes,
			NoShowMinutes: in.NoShowMinutes, ReadingsRetentionDays: in.ReadingsRetentionDays, StateRetentionDays: in.StateRetentionDays,
			GatewayOfflineMinutes: in.GatewayOfflineMinutes, LowBatteryPercent: in.LowBatteryPercent})
		if err != nil {
			return err
		}
		details := map[string]any{"max_reservation_minutes": in.MaxReservationMinutes, "no_show_minutes": in.NoShowMinutes,
			"readings_retention_days": in.ReadingsRetentionDays, "state_retention_days": in.StateRetentionDays,
			"gateway_offline_minutes": in.GatewayOfflineMinutes, "low_battery_percent": in.LowBatteryPercent}
		if err := record(ctx, q, "parking.settings_update", "tenant", tenant, details); err != nil {
			return err
		}
		out, err = settingsOf(ctx, st, tenant)
		return err
	})
	if err != nil {
		return Settings{}, fmt.Errorf("parking: update settings: %w", err)
	}
	return out, nil
}

// RotateIngestSecret makes a new ingest signing secret and returns it; it is shown only this once.
// From now on every ingest request of the tenant must be signed with it.
func (s *Service) RotateIngestSecret(ctx context.Context) (string, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return "", err
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	secret := "tnr_whs_" + base64.RawURLEncoding.EncodeToString(raw[:])
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		if err := store.New(q).SetIngestSecret(ctx, store.SetIngestSecretParams{TenantID: tenant, Secret: &secret}); err != nil {
			return err
		}
		return record(ctx, q, "parking.ingest_secret_rotate", "tenant", tenant, nil)
	})
	if err != nil {
		return "", fmt.Errorf("parking: rotate ingest secret: %w", err)
	}
	return secret, nil
}

// RemoveIngestSecret stops requiring signed ingest requests.
func (s *Service) RemoveIngestSecret(ctx context.Context) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		if err := store.New(q).SetIngestSecret(ctx, store.SetIngestSecretParams{TenantID: tenant}); err != nil {
			return err
		}
		return record(ctx, q, "parking.ingest_secret_remove", "tenant", tenant, nil)
	})
	if err != nil {
		return fmt.Errorf("parking: remove ingest secret: %w", err)
	}
	return nil
}
