package parking

import (
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
)

// IDInput addresses one object. An id of another tenant answers exactly like a random one: 404.
type IDInput struct {
	ID string `path:"id" format:"uuid" doc:"The object's id"`
}

// parseID parses a path id (Huma has validated its format already).
func parseID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, errs.ErrNotFound
	}
	return id, nil
}

// optionalID parses an optional id from a query or body field.
func optionalID(location, s string) (uuid.NullUUID, error) {
	if s == "" {
		return uuid.NullUUID{}, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.NullUUID{}, errs.Invalidf(location, "not a uuid")
	}
	return uuid.NullUUID{UUID: id, Valid: true}, nil
}

// after decodes a page cursor into its sort key; nil for the first page.
func after[K any](p httpapi.PageInput) (*K, error) {
	var k K
	ok, err := p.After(&k)
	if err != nil || !ok {
		return nil, err
	}
	return &k, nil
}

// WindowInput is an optional time range of a list.
type WindowInput struct {
	From time.Time `query:"from" doc:"Only items at or after this time (RFC 3339)"`
	To   time.Time `query:"to" doc:"Only items before this time (RFC 3339)"`
}

func (w WindowInput) window() (Window, error) {
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

// NoContent is the output of operations that answer 204.
type NoContent struct{}
