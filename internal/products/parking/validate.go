package parking

import (
	"strings"

	"github.com/tenantry/tenantry/internal/errs"
)

// checkLocation validates a GPS position: both coordinates or neither, each in range.
func checkLocation(lat, lon *float64) error {
	switch {
	case (lat == nil) != (lon == nil):
		return errs.Invalidf("body.latitude", "give latitude and longitude together, or neither")
	case lat == nil:
		return nil
	case *lat < -90 || *lat > 90:
		return errs.Invalidf("body.latitude", "latitude must be between -90 and 90")
	case *lon < -180 || *lon > 180:
		return errs.Invalidf("body.longitude", "longitude must be between -180 and 180")
	}
	return nil
}

// trimmed returns s without surrounding spaces, or nil for nil.
func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

// required fails when a trimmed text is empty.
func required(location string, s *string) error {
	if s != nil && *s == "" {
		return errs.Invalidf(location, "must not be empty")
	}
	return nil
}
