package flows

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// NotificationBatchReady tells a member that a batch of prepared sessions waits for them.
const NotificationBatchReady = "batch.ready"

// Notification is a message to one member (owner-only: another member's is the 404 of a random
// id). Payload carries ids only: batch_id, flow_id, target_count, schedule_id, scheduled_for.
type Notification struct {
	ID        uuid.UUID      `json:"id" format:"uuid"`
	Kind      string         `json:"kind" enum:"batch.ready"`
	Payload   map[string]any `json:"payload"`
	ReadAt    *time.Time     `json:"read_at"`
	CreatedAt time.Time      `json:"created_at"`
}

func notificationView(r store.FlowNotification) Notification {
	out := Notification{ID: r.ID, Kind: r.Kind, Payload: map[string]any{}, ReadAt: r.ReadAt, CreatedAt: r.CreatedAt}
	_ = json.Unmarshal(r.Payload, &out.Payload) // written by writeBatch; an unreadable one shows empty
	return out
}

// ListNotifications returns up to size+1 of the caller's own notifications, newest first (only
// the unread ones when unread), after the key of the previous page's last one (httpapi.List).
func (s *Service) ListNotifications(ctx context.Context, unread bool, size int, after *createdKey) ([]Notification, error) {
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return nil, fail("list notifications", err)
	}
	p := store.ListNotificationsParams{TenantID: m.tenant, Me: m.user, Unread: unread, Lim: int32(size + 1)}
	p.AfterCreated, p.AfterID = after.params()
	var out []Notification
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListNotifications(ctx, p)
		for _, r := range rows {
			out = append(out, notificationView(r))
		}
		return err
	})
	return out, fail("list notifications", err)
}

// ReadNotification marks one of the caller's notifications read (once: reading it again keeps the
// first time) and returns it; another member's is errs.ErrNotFound.
func (s *Service) ReadNotification(ctx context.Context, id uuid.UUID) (Notification, error) {
	m, err := memberOf(ctx, tenancy.RoleViewer)
	if err != nil {
		return Notification{}, fail("read notification", err)
	}
	now := s.now().UTC()
	var out Notification
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		r, err := store.New(q).ReadNotification(ctx, store.ReadNotificationParams{TenantID: m.tenant, ID: id, Me: m.user, Now: &now})
		if err != nil {
			return found(err)
		}
		out = notificationView(r)
		return record(ctx, q, "flow_notification.read", "flow_notification", id, nil)
	})
	return out, fail("read notification", err)
}
