package flows

import (
	"github.com/google/uuid"

	"context"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
)

// DefaultChatRetentionDays is the chat retention of a tenant that has not set one.
const DefaultChatRetentionDays = 90

// GetAISettings returns the tenant's AI settings (the defaults until an admin changes them).
// Admins and owners only (Forbidden otherwise).
func (s *Service) GetAISettings(ctx context.Context) (AISettings, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return AISettings{}, err
	}
	var out AISettings
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out.ChatRetentionDays, err = retentionDays(ctx, store.New(q), sc.Tenant.UUID())
		return err
	})
	return out, fail("get ai settings", err)
}

// UpdateAISettings changes the tenant's AI settings, audited in the same transaction. An empty
// change is Invalid. Admins and owners only.
func (s *Service) UpdateAISettings(ctx context.Context, days *int32) (AISettings, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return AISettings{}, err
	}
	switch {
	case days == nil:
		return AISettings{}, errs.Invalidf("body", "name at least one setting to change (chat_retention_days)")
	case *days < 1 || *days > 3650:
		return AISettings{}, errs.Invalidf("body.chat_retention_days", "must be 1 to 3650")
	}
	var out AISettings
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		out.ChatRetentionDays, err = store.New(q).UpsertAISettings(ctx, store.UpsertAISettingsParams{TenantID: sc.Tenant.UUID(),
			ChatRetentionDays: *days})
		if err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "flows.ai_settings_update", TargetType: "tenant", TargetID: sc.Tenant.String(),
			Details: map[string]any{"chat_retention_days": *days}})
	})
	return out, fail("update ai settings", err)
}

// retentionDays reads the tenant's chat retention, the default without a settings row.
func retentionDays(ctx context.Context, st *store.Queries, tenant uuid.UUID) (int32, error) {
	days, err := st.GetAISettings(ctx, tenant)
	if postgres.IsNoRows(err) {
		return DefaultChatRetentionDays, nil
	}
	return days, err
}
