package parking

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Reservation statuses. Only pending and confirmed reservations hold their slot.
const (
	ReservationPending   = "pending"
	ReservationConfirmed = "confirmed"
	ReservationCancelled = "cancelled"
	ReservationExpired   = "expired"
	ReservationNoShow    = "no_show"
)

// checkInEarly is how long before its start a reservation may be checked in to.
const checkInEarly = 15 * time.Minute

// Reservation is a booking of one space for a half-open time window [starts_at, ends_at).
type Reservation struct {
	ID           string     `json:"id" format:"uuid"`
	SpaceID      string     `json:"space_id" format:"uuid"`
	RequestID    string     `json:"request_id" format:"uuid"`
	Status       string     `json:"status" enum:"pending,confirmed,cancelled,expired,no_show"`
	StartsAt     time.Time  `json:"starts_at"`
	EndsAt       time.Time  `json:"ends_at"`
	Holder       string     `json:"holder" doc:"Who the space is held for (a name or a plate): personal data, never shown in conflicts"`
	Note         string     `json:"note"`
	CheckedInAt  *time.Time `json:"checked_in_at"`
	CancelledAt  *time.Time `json:"cancelled_at"`
	CancelReason string     `json:"cancel_reason"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func reservationOf(r store.GetReservationRow) Reservation {
	return Reservation{ID: r.ID.String(), SpaceID: r.SpaceID.String(), RequestID: r.RequestID.String(), Status: r.Status,
		StartsAt: r.StartsAt, EndsAt: r.EndsAt, Holder: r.Holder, Note: r.Note, CheckedInAt: r.CheckedInAt, CancelledAt: r.CancelledAt,
		CancelReason: r.CancelReason, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// ReservationRequest asks for a space in a window. RequestID makes the request idempotent.
type ReservationRequest struct {
	RequestID        uuid.UUID
	SpaceID          uuid.UUID
	StartsAt, EndsAt time.Time
	Holder, Note     string
}

// hash identifies the request's content: a retry with the same request_id must carry the same body.
func (r ReservationRequest) hash() []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%q\x00%q", r.SpaceID, r.StartsAt.UTC().Format(time.RFC3339Nano),
		r.EndsAt.UTC().Format(time.RFC3339Nano), r.Holder, r.Note))
	return h[:]
}

func (r *ReservationRequest) validate(now time.Time) error {
	r.StartsAt, r.EndsAt = r.StartsAt.UTC().Truncate(time.Microsecond), r.EndsAt.UTC().Truncate(time.Microsecond)
	if !r.EndsAt.After(r.StartsAt) {
		return errs.Invalidf("body.ends_at", "must be after starts_at")
	}
	if !r.EndsAt.After(now) {
		return errs.Invalidf("body.ends_at", "must be in the future")
	}
	return nil
}

// CreateReservation books a space. It returns created=false with the original reservation when
// the request_id was used before with the same request; with a different request it is Invalid.
// An overlap with a pending or confirmed reservation is a Conflict listing only the conflicting
// windows; a window longer than the tenant's maximum is Invalid.
func (s *Service) CreateReservation(ctx context.Context, r ReservationRequest) (out Reservation, created bool, err error) {
	if err := r.validate(s.now()); err != nil {
		return Reservation{}, false, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Reservation{}, false, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		err = s.db.Tx(ctx, func(q postgres.Querier) error {
			out, created, err = s.reserve(ctx, q, tenant, r)
			return err
		})
		if !postgres.IsCode(err, "23505") { // a concurrent request with the same request_id won: read it
			break
		}
	}
	if err != nil {
		return Reservation{}, false, fmt.Errorf("parking: create reservation: %w", err)
	}
	return out, created, nil
}

func (s *Service) reserve(ctx context.Context, q postgres.Querier, tenant uuid.UUID, r ReservationRequest) (Reservation, bool, error) {
	st := store.New(q)
	prior, err := st.ReservationByRequest(ctx, store.ReservationByRequestParams{TenantID: tenant, RequestID: r.RequestID})
	if err == nil {
		return replay(ctx, q, tenant, prior, r)
	}
	if !postgres.IsNoRows(err) {
		return Reservation{}, false, err
	}
	if err := checkDuration(ctx, st, tenant, r); err != nil {
		return Reservation{}, false, err
	}
	if _, err := lockLiveSpace(ctx, st, tenant, r.SpaceID); err != nil {
		return Reservation{}, false, err
	}
	if err := checkFree(ctx, st, tenant, r); err != nil {
		return Reservation{}, false, err
	}
	id := tenancy.NewID()
	_, err = transition(ctx, q, tenant, r.SpaceID, sourceReservation, "reservation created", func() error {
		return st.InsertReservation(ctx, store.InsertReservationParams{TenantID: tenant, ID: id, SpaceID: r.SpaceID, RequestID: r.RequestID,
			RequestHash: r.hash(), StartsAt: r.StartsAt, EndsAt: r.EndsAt, Holder: r.Holder, Note: r.Note, CreatedBy: actor(ctx)})
	})
	if err != nil {
		return Reservation{}, false, err
	}
	details := map[string]any{"space_id": r.SpaceID.String(), "starts_at": r.StartsAt, "ends_at": r.EndsAt, "request_id": r.RequestID.String()}
	if err := record(ctx, q, "reservation.create", "reservation", id, details); err != nil {
		return Reservation{}, false, err
	}
	out, err := getReservation(ctx, st, tenant, id)
	if err != nil {
		return Reservation{}, false, err
	}
	return out, true, webhooks.Emit(ctx, q, webhooks.ReservationCreated, out)
}

// emitReservation sends a reservation, as the API shows it now, to the tenant's endpoints
// subscribed to eventType, in the change's transaction q.
func emitReservation(ctx context.Context, q postgres.Querier, tenant, id uuid.UUID, eventType string) error {
	r, err := getReservation(ctx, store.New(q), tenant, id)
	if err != nil {
		return err
	}
	return webhooks.Emit(ctx, q, eventType, r)
}

// replay answers a retried request_id: the original reservation for the same body (the retry is
// audited), else Invalid.
func replay(ctx context.Context, q postgres.Querier, tenant uuid.UUID, prior store.ReservationByRequestRow, r ReservationRequest) (Reservation, bool, error) {
	if string(prior.RequestHash) != string(r.hash()) {
		return Reservation{}, false, errs.Invalidf("body.request_id", "this request_id was already used for a different request")
	}
	if err := record(ctx, q, "reservation.create_retry", "reservation", prior.ID, map[string]any{"request_id": r.RequestID.String()}); err != nil {
		return Reservation{}, false, err
	}
	out, err := getReservation(ctx, store.New(q), tenant, prior.ID)
	return out, false, err
}

func checkDuration(ctx context.Context, st *store.Queries, tenant uuid.UUID, r ReservationRequest) error {
	set, err := settingsOf(ctx, st, tenant)
	if err != nil {
		return err
	}
	if max := time.Duration(set.MaxReservationMinutes) * time.Minute; r.EndsAt.Sub(r.StartsAt) > max {
		return errs.Invalidf("body.ends_at", "the reservation is longer than this tenant's maximum of %d minutes", set.MaxReservationMinutes)
	}
	return nil
}

// checkFree fails with a Conflict when the window overlaps a held reservation or an override. The
// space is locked, so no concurrent reservation of it can slip in between this check and the
// insert (and the exclusion constraint stands behind both).
func checkFree(ctx context.Context, st *store.Queries, tenant uuid.UUID, r ReservationRequest) error {
	busy, err := st.BusyWindows(ctx, store.BusyWindowsParams{TenantID: tenant, SpaceID: r.SpaceID, Since: r.StartsAt, Until: r.EndsAt})
	if err != nil {
		return err
	}
	if len(busy) > 0 {
		e := &errs.Error{Kind: errs.Conflict, Message: "the space is already reserved during part of this time"}
		for _, b := range busy {
			e.Fields = append(e.Fields, errs.FieldError{Location: "conflicts", Message: interval(b.StartsAt, b.EndsAt)})
		}
		return e
	}
	closed, err := st.OverridesOverlapping(ctx, store.OverridesOverlappingParams{TenantID: tenant, SpaceID: r.SpaceID, Since: r.StartsAt, Until: r.EndsAt})
	if err != nil {
		return err
	}
	if len(closed) > 0 {
		return errs.E(errs.Conflict, "the space is closed (maintenance or blocked) during part of this time")
	}
	return nil
}

// interval writes a window as an ISO 8601 time interval.
func interval(from, to time.Time) string {
	return from.UTC().Format(time.RFC3339) + "/" + to.UTC().Format(time.RFC3339)
}

func getReservation(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (Reservation, error) {
	r, err := postgres.One(st.GetReservation(ctx, store.GetReservationParams{TenantID: tenant, ID: id}))
	if err != nil {
		return Reservation{}, err
	}
	return reservationOf(r), nil
}

// GetReservation returns a reservation.
func (s *Service) GetReservation(ctx context.Context, id uuid.UUID) (Reservation, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Reservation, error) {
		return getReservation(ctx, store.New(q), tenant, id)
	})
	if err != nil {
		return Reservation{}, fmt.Errorf("parking: get reservation: %w", err)
	}
	return out, nil
}
