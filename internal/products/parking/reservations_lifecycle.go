package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// ReservationFilter selects reservations for ListReservations; empty fields do not filter. The
// window keeps the reservations that overlap it.
type ReservationFilter struct {
	SpaceID uuid.NullUUID
	Status  string
	httpapi.Window
}

// startKey is the sort key of the reservations list, carried in its cursor.
type startKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// ListReservations lists the tenant's reservations by start time.
func (s *Service) ListReservations(ctx context.Context, f ReservationFilter, size int, after *startKey) ([]Reservation, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListReservationsParams{TenantID: tenant, SpaceID: f.SpaceID, Status: nonEmpty(f.Status), Since: f.Since, Until: f.Until, Lim: int32(size + 1)}
	if after != nil {
		p.AfterStart, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Reservation
	// Optional filters: plan for their values, whatever the tenant's size (postgres.CustomPlans).
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListReservations(ctx, p)
		for _, r := range rows {
			out = append(out, reservationOf(store.GetReservationRow(r)))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list reservations: %w", err)
	}
	return out, nil
}

// CancelReservation cancels a pending or confirmed reservation, with a reason. Cancelling one in
// any other status is a Conflict.
func (s *Service) CancelReservation(ctx context.Context, id uuid.UUID, reason string) (Reservation, error) {
	out, err := s.changeReservation(ctx, id, func(ctx context.Context, q postgres.Querier, tenant uuid.UUID, r store.LockReservationRow) error {
		if r.Status != ReservationPending && r.Status != ReservationConfirmed {
			return errs.E(errs.Conflict, "only pending or confirmed reservations can be cancelled")
		}
		st := store.New(q)
		if _, err := postgres.One(st.LockSpace(ctx, store.LockSpaceParams{TenantID: tenant, ID: r.SpaceID})); err != nil {
			return err
		}
		_, err := transition(ctx, q, tenant, r.SpaceID, sourceReservation, "reservation cancelled", func() error {
			return st.CancelReservation(ctx, store.CancelReservationParams{TenantID: tenant, ID: id, CancelReason: reason})
		})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "reservation.cancel", "reservation", id, map[string]any{"reason": reason}); err != nil {
			return err
		}
		return emitReservation(ctx, q, tenant, id, webhooks.ReservationCancelled)
	})
	if err != nil {
		return Reservation{}, fmt.Errorf("parking: cancel reservation: %w", err)
	}
	return out, nil
}

// CheckIn records the holder's arrival on a confirmed reservation, from 15 minutes before its start
// until its end. Checking in twice changes nothing.
func (s *Service) CheckIn(ctx context.Context, id uuid.UUID) (Reservation, error) {
	now := s.now()
	out, err := s.changeReservation(ctx, id, func(ctx context.Context, q postgres.Querier, tenant uuid.UUID, r store.LockReservationRow) error {
		switch {
		case r.Status != ReservationConfirmed:
			return errs.E(errs.Conflict, "only confirmed reservations can be checked in to")
		case r.CheckedInAt != nil:
			return nil
		case now.Before(r.StartsAt.Add(-checkInEarly)) || !now.Before(r.EndsAt):
			return errs.E(errs.Conflict, "check-in opens 15 minutes before the start and closes at the end")
		}
		if err := store.New(q).CheckInReservation(ctx, store.CheckInReservationParams{TenantID: tenant, ID: id}); err != nil {
			return err
		}
		return record(ctx, q, "reservation.check_in", "reservation", id, nil)
	})
	if err != nil {
		return Reservation{}, fmt.Errorf("parking: check in: %w", err)
	}
	return out, nil
}

type reservationChange func(ctx context.Context, q postgres.Querier, tenant uuid.UUID, r store.LockReservationRow) error

// changeReservation locks a reservation, applies change and returns the result.
func (s *Service) changeReservation(ctx context.Context, id uuid.UUID, change reservationChange) (Reservation, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Reservation{}, err
	}
	var out Reservation
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		r, err := postgres.One(st.LockReservation(ctx, store.LockReservationParams{TenantID: tenant, ID: id}))
		if err != nil {
			return err
		}
		if err := change(ctx, q, tenant, r); err != nil {
			return err
		}
		out, err = getReservation(ctx, st, tenant, id)
		return err
	})
	return out, err
}

// Availability is what a space offers in a window.
type Availability struct {
	SpaceID      string       `json:"space_id" format:"uuid"`
	From         time.Time    `json:"from"`
	To           time.Time    `json:"to"`
	Available    bool         `json:"available" doc:"No reservation and no override in the window"`
	State        State        `json:"state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE" doc:"The space's state now"`
	Reservations []BusyWindow `json:"reservations" doc:"Held windows (times only)"`
	Overrides    []BusyWindow `json:"overrides" doc:"Maintenance or blocked windows; ends_at null: until cleared"`
}

// BusyWindow is a window in which a space is not available.
type BusyWindow struct {
	StartsAt time.Time  `json:"starts_at"`
	EndsAt   *time.Time `json:"ends_at"`
	Kind     string     `json:"kind" enum:"pending,confirmed,maintenance,blocked"`
}

// maxAvailabilityWindow bounds an availability query.
const maxAvailabilityWindow = 31 * 24 * time.Hour

// SpaceAvailability returns a space's held windows and overrides in [from, to).
func (s *Service) SpaceAvailability(ctx context.Context, space uuid.UUID, from, to time.Time) (Availability, error) {
	if !to.After(from) {
		return Availability{}, errs.Invalidf("query.to", "must be after from")
	}
	if to.Sub(from) > maxAvailabilityWindow {
		return Availability{}, errs.Invalidf("query.to", "the window may span at most 31 days")
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Availability{}, err
	}
	out := Availability{SpaceID: space.String(), From: from, To: to, Reservations: []BusyWindow{}, Overrides: []BusyWindow{}}
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		sp, err := getSpace(ctx, st, tenant, space)
		if err != nil {
			return err
		}
		out.State = sp.State
		busy, err := st.BusyWindows(ctx, store.BusyWindowsParams{TenantID: tenant, SpaceID: space, Since: from, Until: to})
		if err != nil {
			return err
		}
		for _, b := range busy {
			out.Reservations = append(out.Reservations, BusyWindow{StartsAt: b.StartsAt, EndsAt: &b.EndsAt, Kind: b.Status})
		}
		closed, err := st.OverridesOverlapping(ctx, store.OverridesOverlappingParams{TenantID: tenant, SpaceID: space, Since: from, Until: to})
		for _, o := range closed {
			out.Overrides = append(out.Overrides, BusyWindow{StartsAt: o.StartsAt, EndsAt: o.EndsAt, Kind: o.Kind})
		}
		out.Available = sp.DeletedAt == nil && len(out.Reservations) == 0 && len(out.Overrides) == 0
		return err
	})
	if err != nil {
		return Availability{}, fmt.Errorf("parking: space availability: %w", err)
	}
	return out, nil
}
