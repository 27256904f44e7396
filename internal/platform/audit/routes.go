package audit

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/audit/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Log serves the tenant's audit log.
type Log struct {
	db *postgres.DB
}

// NewLog returns the audit-log service.
func NewLog(db *postgres.DB) *Log { return &Log{db: db} }

// Routes registers GET /api/v1/audit-log and its export (two lines a row: see httpapi.Routes).
func (l *Log) Routes(api huma.API, log *slog.Logger) {
	httpapi.DescribeTag(api, "Audit", "The tenant's audit log: who did what, when, from where, and whether it was allowed.")
	rt := httpapi.NewRoutes(api, log).Tag("Audit")
	httpapi.Get(rt, "/api/v1/audit-log", "list-audit-events", httpapi.Admin("audit:read"),
		l.handleList, "List the tenant's audit events, newest first")
	httpapi.Add(rt, exportOperation(), httpapi.Admin("audit:read"),
		l.handleExport(log))
}

// EventView is one audit event.
type EventView struct {
	ID            string          `json:"id" format:"uuid"`
	OccurredAt    time.Time       `json:"occurred_at"`
	PrincipalKind string          `json:"principal_kind" enum:"user,api_key,staff,system,anonymous"`
	ActorID       string          `json:"actor_id" doc:"The user id, API key id or staff grant id"`
	Action        string          `json:"action" example:"api_key.create"`
	TargetType    string          `json:"target_type,omitempty"`
	TargetID      string          `json:"target_id,omitempty"`
	Outcome       string          `json:"outcome" enum:"success,failure,denied"`
	RequestID     string          `json:"request_id,omitempty"`
	IP            string          `json:"ip,omitempty"`
	Details       json.RawMessage `json:"details"`
}

// ListInput filters and pages the audit log.
type ListInput struct {
	httpapi.PageInput
	AuditFilter
}

// AuditFilter selects audit events; the list and the export take the same.
type AuditFilter struct {
	Action     string    `query:"action" maxLength:"100" doc:"Only this action"`
	Actor      string    `query:"actor" maxLength:"100" doc:"Only this actor id"`
	TargetType string    `query:"target_type" maxLength:"100"`
	TargetID   string    `query:"target_id" maxLength:"100"`
	RequestID  string    `query:"request_id" maxLength:"64"`
	Since      time.Time `query:"since" doc:"Events at or after this time (RFC 3339)"`
	Until      time.Time `query:"until" doc:"Events before this time (RFC 3339)"`
}

// ListOutput is a page of events.
type ListOutput struct {
	Body httpapi.Page[EventView]
}

type eventKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

func (l *Log) handleList(ctx context.Context, in *ListInput) (*ListOutput, error) {
	key := func(e EventView) eventKey { return eventKey{e.OccurredAt, uuid.MustParse(e.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *eventKey) ([]EventView, error) {
		return l.list(ctx, in.AuditFilter, size, after)
	})
	return &ListOutput{Body: page}, err
}

// list reads up to size+1 events after the event after (nil: from the newest).
func (l *Log) list(ctx context.Context, in AuditFilter, size int, after *eventKey) ([]EventView, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListEventsParams{TenantID: sc.Tenant.UUID(), Action: text(in.Action), Actor: text(in.Actor), TargetType: text(in.TargetType),
		TargetID: text(in.TargetID), RequestID: text(in.RequestID), Since: timeOrNil(in.Since), Until: timeOrNil(in.Until), Lim: int32(size + 1)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var items []EventView
	err = l.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListEvents(ctx, p)
		for _, r := range rows {
			items = append(items, eventView(r))
		}
		return err
	})
	return items, err
}

func eventView(r store.ListEventsRow) EventView {
	v := EventView{ID: r.ID.String(), OccurredAt: r.OccurredAt, PrincipalKind: r.PrincipalKind, ActorID: r.ActorID, Action: r.Action,
		TargetType: r.TargetType, TargetID: r.TargetID, Outcome: r.Outcome, RequestID: r.RequestID, Details: r.Details}
	if r.Ip != nil {
		v.IP = r.Ip.String()
	}
	return v
}

func text(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
