package parking

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// ListReadingsInput filters and pages readings.
type ListReadingsInput struct {
	httpapi.PageInput
	WindowInput
	DeviceID string `query:"device_id" format:"uuid"`
	SpaceID  string `query:"space_id" format:"uuid"`
}

// ReadingPage is a page of readings.
type ReadingPage struct {
	Body httpapi.Page[Reading]
}

func (s *Service) handleListReadings(ctx context.Context, in *ListReadingsInput) (*ReadingPage, error) {
	key, err := after[timeKey](in.PageInput)
	if err != nil {
		return nil, err
	}
	device, err := optionalID("query.device_id", in.DeviceID)
	if err != nil {
		return nil, err
	}
	space, err := optionalID("query.space_id", in.SpaceID)
	if err != nil {
		return nil, err
	}
	w, err := in.window()
	if err != nil {
		return nil, err
	}
	items, err := s.ListReadings(ctx, ReadingFilter{DeviceID: device, SpaceID: space, Window: w}, in.Size(), key)
	if err != nil {
		return nil, err
	}
	return &ReadingPage{Body: httpapi.NewPage(items, in.Size(), func(x Reading) any { return timeKey{At: x.MeasuredAt, ID: uuid.MustParse(x.ID)} })}, nil
}

// ListStateChangesInput filters and pages state changes.
type ListStateChangesInput struct {
	httpapi.PageInput
	WindowInput
	SpaceID string `query:"space_id" format:"uuid"`
}

func (s *Service) handleListStateChanges(ctx context.Context, in *ListStateChangesInput) (*StateChangePage, error) {
	space, err := optionalID("query.space_id", in.SpaceID)
	if err != nil {
		return nil, err
	}
	return s.history(ctx, space, false, in.WindowInput, in.PageInput)
}
