package httpapi

import (
	"strings"
	"time"
	_ "time/tzdata" // IANA zone names validate the same on every host, with or without /usr/share/zoneinfo

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
)

// IDInput addresses one object by the {id} of its path; embed it in an operation's input. Huma
// checks that the text is a uuid (a malformed id answers 422, like every failed format check)
// and ID holds it parsed, so handlers never parse ids. An id of another tenant, a deleted object's
// and a random one then all answer alike: 404.
type IDInput struct {
	RawID string    `path:"id" format:"uuid" doc:"The object's id"`
	ID    uuid.UUID `json:"-"`
}

// Resolve parses the id Huma has validated (huma.Resolver). Were validation ever skipped, a
// malformed id would be uuid.Nil, which finds no object: 404, never another answer.
func (in *IDInput) Resolve(huma.Context) []error {
	in.ID, _ = uuid.Parse(in.RawID)
	return nil
}

// OptionalID parses an optional id from the query or body field at location ("query.space_id").
// Fields tagged format:"uuid" are validated by Huma already; the check here only guards the parse.
func OptionalID(location, s string) (uuid.NullUUID, error) {
	if s == "" {
		return uuid.NullUUID{}, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.NullUUID{}, errs.Invalidf(location, "not a uuid")
	}
	return uuid.NullUUID{UUID: id, Valid: true}, nil
}

// WindowInput is an optional time range of a list; embed it in a list's input.
type WindowInput struct {
	From time.Time `query:"from" doc:"Only items at or after this time (RFC 3339)"`
	To   time.Time `query:"to" doc:"Only items before this time (RFC 3339)"`
}

// Window is a half-open time range [Since, Until); either end may be open (nil).
type Window struct {
	Since, Until *time.Time
}

// Window returns the range the input asks for. An empty or reversed range is Invalid.
func (w WindowInput) Window() (Window, error) {
	var out Window
	if !w.From.IsZero() {
		out.Since = &w.From
	}
	if !w.To.IsZero() {
		out.Until = &w.To
	}
	if out.Since != nil && out.Until != nil && !out.Until.After(*out.Since) {
		return out, errs.Invalidf("query.to", "must be after from")
	}
	return out, nil
}

// CheckTimezone accepts IANA time zone names only ("Europe/Lisbon", "UTC"), not "Local"; a
// refusal is Invalid at location ("body.timezone").
func CheckTimezone(location, tz string) error {
	if tz == "" || tz == "Local" || strings.TrimSpace(tz) != tz {
		return errs.Invalidf(location, "not an IANA time zone name")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return errs.Invalidf(location, "not an IANA time zone name")
	}
	return nil
}

// NoContent is the output of operations that answer 204.
type NoContent struct{}
