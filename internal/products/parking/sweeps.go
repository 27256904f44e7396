package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// dedupRetention is how long ingest de-duplication keys are kept: far longer than any retry.
const dedupRetention = 7 * 24 * time.Hour

// ExpireReservation ends one reservation of the tenant in the scope whose window is over. It
// reports false when there is nothing to do (already ended, cancelled, or not over yet).
func (s *Service) ExpireReservation(ctx context.Context, id uuid.UUID) (bool, error) {
	done, err := s.endReservation(ctx, id, "reservation.expire", func(st *store.Queries, tenant uuid.UUID) (uuid.UUID, error) {
		return st.ExpireReservation(ctx, store.ExpireReservationParams{TenantID: tenant, ID: id})
	})
	if err != nil {
		return false, fmt.Errorf("parking: expire reservation: %w", err)
	}
	return done, nil
}

// MarkNoShow releases one confirmed reservation of the tenant in the scope that nobody checked in
// to within the tenant's grace period (settings.no_show_minutes; 0 disables no-shows).
func (s *Service) MarkNoShow(ctx context.Context, id uuid.UUID) (bool, error) {
	done, err := s.endReservation(ctx, id, "reservation.no_show", func(st *store.Queries, tenant uuid.UUID) (uuid.UUID, error) {
		set, err := settingsOf(ctx, st, tenant)
		if err != nil || set.NoShowMinutes == 0 {
			return uuid.Nil, err
		}
		return st.MarkNoShow(ctx, store.MarkNoShowParams{TenantID: tenant, ID: id, GraceMinutes: set.NoShowMinutes})
	})
	if err != nil {
		return false, fmt.Errorf("parking: mark no-show: %w", err)
	}
	return done, nil
}

func (s *Service) endReservation(ctx context.Context, id uuid.UUID, action string, end func(*store.Queries, uuid.UUID) (uuid.UUID, error)) (bool, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return false, err
	}
	done := false
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		space, err := end(st, tenant)
		if postgres.IsNoRows(err) || (err == nil && space == uuid.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		done = true
		if err := record(ctx, q, action, "reservation", id, map[string]any{"space_id": space.String()}); err != nil {
			return err
		}
		event := webhooks.ReservationExpired
		if action == "reservation.no_show" {
			event = webhooks.ReservationNoShow
		}
		return emitReservation(ctx, q, tenant, id, event)
	})
	return done, err
}

// Retention is what one retention run deleted.
type Retention struct {
	Readings, StateChanges, DedupKeys int64
}

// ApplyRetention deletes the tenant's readings and state history older than its settings allow
// (defaults 30 and 90 days) and old ingest de-duplication keys.
func (s *Service) ApplyRetention(ctx context.Context) (Retention, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Retention{}, err
	}
	var out Retention
	now := s.now()
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		set, err := settingsOf(ctx, st, tenant)
		if err != nil {
			return err
		}
		days := func(n int32) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
		if out.Readings, err = st.DeleteReadingsBefore(ctx, store.DeleteReadingsBeforeParams{TenantID: tenant, ReceivedAt: days(set.ReadingsRetentionDays)}); err != nil {
			return err
		}
		if out.StateChanges, err = st.DeleteStateChangesBefore(ctx, store.DeleteStateChangesBeforeParams{TenantID: tenant, OccurredAt: days(set.StateRetentionDays)}); err != nil {
			return err
		}
		if out.DedupKeys, err = st.DeleteDedupKeysBefore(ctx, store.DeleteDedupKeysBeforeParams{TenantID: tenant, ReceivedAt: now.Add(-dedupRetention)}); err != nil {
			return err
		}
		if out == (Retention{}) {
			return nil
		}
		return record(ctx, q, "parking.retention", "tenant", tenant, map[string]any{"readings": out.Readings,
			"state_changes": out.StateChanges, "dedup_keys": out.DedupKeys})
	})
	if err != nil {
		return Retention{}, fmt.Errorf("parking: apply retention: %w", err)
	}
	return out, nil
}
