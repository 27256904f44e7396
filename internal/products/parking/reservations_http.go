package parking

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// CreateReservationInput reserves a space.
type CreateReservationInput struct {
	Body struct {
		RequestID string    `json:"request_id" format:"uuid" doc:"Idempotency key: a retry with the same body returns the original (200); with another body, 422"`
		SpaceID   string    `json:"space_id" format:"uuid"`
		StartsAt  time.Time `json:"starts_at"`
		EndsAt    time.Time `json:"ends_at" doc:"Exclusive; after starts_at, within the tenant's maximum duration"`
		Holder    string    `json:"holder,omitempty" maxLength:"200"`
		Note      string    `json:"note,omitempty" maxLength:"1000"`
	}
}

// ReservationCreated is a new reservation (201) or the original one of a retried request (200).
type ReservationCreated struct {
	Status int
	Body   Reservation
}

func (s *Service) handleCreateReservation(ctx context.Context, in *CreateReservationInput) (*ReservationCreated, error) {
	b := in.Body
	req, err := httpapi.OptionalID("body.request_id", b.RequestID)
	if err != nil {
		return nil, err
	}
	space, err := httpapi.OptionalID("body.space_id", b.SpaceID)
	if err != nil {
		return nil, err
	}
	r, created, err := s.CreateReservation(ctx, ReservationRequest{RequestID: req.UUID, SpaceID: space.UUID, StartsAt: b.StartsAt, EndsAt: b.EndsAt,
		Holder: strings.TrimSpace(b.Holder), Note: b.Note})
	if err != nil {
		return nil, err
	}
	out := &ReservationCreated{Status: http.StatusCreated, Body: r}
	if !created {
		out.Status = http.StatusOK
	}
	return out, nil
}

// ReservationOutput is one reservation.
type ReservationOutput struct {
	Body Reservation
}

func (s *Service) handleGetReservation(ctx context.Context, in *httpapi.IDInput) (*ReservationOutput, error) {
	r, err := s.GetReservation(ctx, in.ID)
	return &ReservationOutput{Body: r}, err
}

// ListReservationsInput filters and pages reservations.
type ListReservationsInput struct {
	httpapi.PageInput
	httpapi.WindowInput
	SpaceID string `query:"space_id" format:"uuid"`
	Status  string `query:"status" enum:"pending,confirmed,cancelled,expired,no_show"`
}

// ReservationPage is a page of reservations.
type ReservationPage struct {
	Body httpapi.Page[Reservation]
}

func (s *Service) handleListReservations(ctx context.Context, in *ListReservationsInput) (*ReservationPage, error) {
	key := func(x Reservation) startKey { return startKey{At: x.StartsAt, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *startKey) ([]Reservation, error) {
		space, err := httpapi.OptionalID("query.space_id", in.SpaceID)
		if err != nil {
			return nil, err
		}
		w, err := in.Window()
		if err != nil {
			return nil, err
		}
		return s.ListReservations(ctx, ReservationFilter{SpaceID: space, Status: in.Status, Window: w}, size, after)
	})
	return &ReservationPage{Body: page}, err
}

// CancelInput cancels a reservation.
type CancelInput struct {
	httpapi.IDInput
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500" example:"customer called"`
	}
}

func (s *Service) handleCancelReservation(ctx context.Context, in *CancelInput) (*ReservationOutput, error) {
	r, err := s.CancelReservation(ctx, in.ID, strings.TrimSpace(in.Body.Reason))
	return &ReservationOutput{Body: r}, err
}

func (s *Service) handleCheckIn(ctx context.Context, in *httpapi.IDInput) (*ReservationOutput, error) {
	r, err := s.CheckIn(ctx, in.ID)
	return &ReservationOutput{Body: r}, err
}
