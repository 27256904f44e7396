package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// State is a space's derived availability state.
type State string

// The states, in priority order: an override wins over a sensor, a sensor over a reservation.
// The database derives them in the v_spaces view (the parking migrations): an active override >
// occupied > a reservation covering now > free. A sensor's report never changes an override, it
// only changes the occupancy fact beneath it.
const (
	StateMaintenance State = "MAINTENANCE"
	StateOccupied    State = "OCCUPIED"
	StateReserved    State = "RESERVED"
	StateFree        State = "FREE"
)

// Sources of a state change, as recorded in the history.
const (
	sourceSensor      = "sensor"
	sourceOverride    = "override"
	sourceReservation = "reservation"
	sourceDevice      = "device"
	sourceSystem      = "system"
)

// transition runs change, which alters one fact of a space the transaction has locked, and records
// the change of derived state (or of the sensor's occupancy beneath it) in the space's history, at
// the time the transaction started.
func transition(ctx context.Context, q postgres.Querier, tenant, space uuid.UUID, source, detail string, change func() error) (State, error) {
	return transitionAt(ctx, q, tenant, space, nil, source, detail, change)
}

// transitionAt is transition with the time the fact changed (a sensor's measurement time).
func transitionAt(ctx context.Context, q postgres.Querier, tenant, space uuid.UUID, at *time.Time, source, detail string, change func() error) (State, error) {
	st := store.New(q)
	before, err := postgres.One(st.SpaceState(ctx, store.SpaceStateParams{TenantID: tenant, ID: space}))
	if err != nil {
		return "", err
	}
	if err := change(); err != nil {
		return "", err
	}
	after, err := postgres.One(st.SpaceState(ctx, store.SpaceStateParams{TenantID: tenant, ID: space}))
	if err != nil {
		return "", err
	}
	if before == after {
		return State(after.State), nil
	}
	id := tenancy.NewID()
	err = st.InsertStateChange(ctx, store.InsertStateChangeParams{TenantID: tenant, ID: id, SpaceID: space, OccurredAt: at,
		PreviousState: before.State, NewState: after.State, Occupancy: after.Occupancy, Source: source, Detail: detail})
	if err == nil && before.State != after.State { // the space's display shows the new state (downlink.go)
		err = queueSpaceDisplays(ctx, q, tenant, space)
	}
	if err == nil && before.State != after.State { // and the tenant's webhooks hear of it
		when := time.Now().UTC()
		if at != nil {
			when = *at
		}
		err = webhooks.Emit(ctx, q, webhooks.SpaceStateChanged, StateChange{ID: id.String(), SpaceID: space.String(), OccurredAt: when,
			PreviousState: State(before.State), NewState: State(after.State), Occupancy: after.Occupancy, Source: source, Detail: detail})
	}
	return State(after.State), err
}

// StateChange is one entry of a space's history.
type StateChange struct {
	ID            string    `json:"id" format:"uuid"`
	SpaceID       string    `json:"space_id" format:"uuid"`
	OccurredAt    time.Time `json:"occurred_at"`
	PreviousState State     `json:"previous_state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
	NewState      State     `json:"new_state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
	Occupancy     string    `json:"occupancy" enum:"unknown,vacant,occupied" doc:"The sensor's occupancy after the change"`
	Source        string    `json:"source" enum:"sensor,override,reservation,device,system"`
	Detail        string    `json:"detail"`
}

// timeKey is the sort key of lists ordered by time, newest first, carried in their cursors.
type timeKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// History lists state changes, newest first: of one space (space set), or of the whole tenant.
// With mustExist, an unknown space is NotFound rather than an empty list.
func (s *Service) History(ctx context.Context, space uuid.NullUUID, mustExist bool, w httpapi.Window, size int, after *timeKey) ([]StateChange, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListStateChangesParams{TenantID: tenant, SpaceID: space, Since: w.Since, Until: w.Until, Lim: int32(size + 1)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []StateChange
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		st := store.New(q)
		if mustExist && space.Valid {
			if _, err := getSpace(ctx, st, tenant, space.UUID); err != nil {
				return err
			}
		}
		rows, err := st.ListStateChanges(ctx, p)
		for _, r := range rows {
			out = append(out, StateChange{ID: r.ID.String(), SpaceID: r.SpaceID.String(), OccurredAt: r.OccurredAt, PreviousState: State(r.PreviousState),
				NewState: State(r.NewState), Occupancy: r.Occupancy, Source: r.Source, Detail: r.Detail})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: history: %w", err)
	}
	return out, nil
}
