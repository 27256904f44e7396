// Package errs is Tenantry's closed set of error kinds. Every error a client sees has one of these
// kinds; the HTTP adapter maps each kind to one status in one table. The message of an Error is
// safe to show to the caller; its cause is for the log only.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller.
type Kind uint8

// The kinds. Internal is the zero value, so an unclassified error is never mistaken for a client error.
const (
	Internal           Kind = iota // a fault of ours: "internal error" to the client, everything to the log
	Invalid                        // the request is malformed or fails validation
	Unauthorized                   // no or invalid credentials
	Forbidden                      // authenticated, but not allowed
	NotFound                       // no such object, or one the caller may not know exists
	Conflict                       // the request conflicts with the current state
	Gone                           // the object existed and has expired
	RateLimited                    // too many requests
	Unavailable                    // a dependency (the database) cannot be reached: retry later
	PreconditionFailed             // a condition of the request (If-Match) does not hold: nothing was changed
)

var kindNames = [...]string{"internal", "invalid", "unauthorized", "forbidden", "not_found", "conflict", "gone", "rate_limited", "unavailable", "precondition_failed"}

// String returns the kind's stable name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// FieldError is one failed check of one input field.
type FieldError struct {
	Location string // e.g. "body.user.email", "query.limit"
	Message  string
}

// Error is a classified error.
type Error struct {
	Kind    Kind
	Message string       // safe to show to the caller
	Fields  []FieldError // for Invalid: which fields failed
	Err     error        // the cause, for the log only
}

// Error returns the message and the cause, for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E returns an error of kind k with a message safe for the caller.
func E(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// Wrap returns an error of kind k with a caller-safe message and a cause kept for the log.
func Wrap(k Kind, msg string, cause error) *Error { return &Error{Kind: k, Message: msg, Err: cause} }

// Invalidf returns an Invalid error for one field.
func Invalidf(location, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: Invalid, Message: "validation failed", Fields: []FieldError{{Location: location, Message: msg}}}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err has kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// The errors the API returns most often, with their fixed, generic messages. NotFound in particular
// is one value so that every "not found" the API writes is byte-identical.
var (
	ErrNotFound     = E(NotFound, "not found")
	ErrUnauthorized = E(Unauthorized, "authentication required")
	ErrForbidden    = E(Forbidden, "forbidden")
	ErrNoTenant     = E(Forbidden, "no tenant selected")
	ErrConflict     = E(Conflict, "conflict with an existing resource")
)
