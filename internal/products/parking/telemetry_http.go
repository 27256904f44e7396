package parking

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// ListReadingsInput filters and pages readings.
type ListReadingsInput struct {
	httpapi.PageInput
	httpapi.WindowInput
	DeviceID string `query:"device_id" format:"uuid"`
	SpaceID  string `query:"space_id" format:"uuid"`
}

// ReadingPage is a page of readings.
type ReadingPage struct {
	Body httpapi.Page[Reading]
}

func (s *Service) handleListReadings(ctx context.Context, in *ListReadingsInput) (*ReadingPage, error) {
	key := func(x Reading) timeKey { return timeKey{At: x.MeasuredAt, ID: uuid.MustParse(x.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *timeKey) ([]Reading, error) {
		device, err := httpapi.OptionalID("query.device_id", in.DeviceID)
		if err != nil {
			return nil, err
		}
		space, err := httpapi.OptionalID("query.space_id", in.SpaceID)
		if err != nil {
			return nil, err
		}
		w, err := in.Window()
		if err != nil {
			return nil, err
		}
		return s.ListReadings(ctx, ReadingFilter{DeviceID: device, SpaceID: space, Window: w}, size, after)
	})
	return &ReadingPage{Body: page}, err
}

// ListStateChangesInput filters and pages state changes.
type ListStateChangesInput struct {
	httpapi.PageInput
	httpapi.WindowInput
	SpaceID string `query:"space_id" format:"uuid"`
}

func (s *Service) handleListStateChanges(ctx context.Context, in *ListStateChangesInput) (*StateChangePage, error) {
	space, err := httpapi.OptionalID("query.space_id", in.SpaceID)
	if err != nil {
		return nil, err
	}
	return s.history(ctx, space, false, in.WindowInput, in.PageInput)
}
