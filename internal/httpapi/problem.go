package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[errs.Kind]int{
	errs.Internal:           http.StatusInternalServerError,
	errs.Invalid:            http.StatusUnprocessableEntity,
	errs.Unauthorized:       http.StatusUnauthorized,
	errs.Forbidden:          http.StatusForbidden,
	errs.NotFound:           http.StatusNotFound,
	errs.Conflict:           http.StatusConflict,
	errs.Gone:               http.StatusGone,
	errs.RateLimited:        http.StatusTooManyRequests,
	errs.Unavailable:        http.StatusServiceUnavailable,
	errs.PreconditionFailed: http.StatusPreconditionFailed,
}

// kindOfStatus classifies the statuses Huma produces on its own (body parse errors, 413, ...).
func kindOfStatus(status int) errs.Kind {
	switch {
	case status == http.StatusUnauthorized:
		return errs.Unauthorized
	case status == http.StatusForbidden:
		return errs.Forbidden
	case status == http.StatusNotFound, status == http.StatusMethodNotAllowed:
		return errs.NotFound
	case status == http.StatusConflict:
		return errs.Conflict
	case status == http.StatusPreconditionFailed:
		return errs.PreconditionFailed
	case status == http.StatusGone:
		return errs.Gone
	case status == http.StatusTooManyRequests:
		return errs.RateLimited
	case status == http.StatusServiceUnavailable:
		return errs.Unavailable
	case status >= 400 && status < 500:
		return errs.Invalid
	}
	return errs.Internal
}

// FieldProblem is one failed check of one input field.
type FieldProblem struct {
	Location string `json:"location,omitempty" doc:"Where the field is, e.g. body.user.email" example:"body.user.email"`
	Message  string `json:"message" doc:"What is wrong with it"`
}

// Problem is an RFC 9457 problem document, the body of every error response. It never carries a
// request id (that is in the X-Request-Id header), SQL, a stack trace or another tenant's values,
// so two errors of the same kind and message are byte-identical.
type Problem struct {
	Type   string         `json:"type" doc:"A URI reference naming the problem kind" example:"about:blank"`
	Title  string         `json:"title" doc:"The status text"`
	Status int            `json:"status" doc:"The HTTP status"`
	Detail string         `json:"detail,omitempty" doc:"What went wrong, safe to show"`
	Kind   string         `json:"kind" doc:"The error kind: invalid, unauthorized, forbidden, not_found, conflict, gone, rate_limited, precondition_failed, internal, unavailable"`
	Errors []FieldProblem `json:"errors,omitempty" doc:"For invalid requests: which fields failed"`

	headers http.Header
}

// Error returns the detail.
func (p *Problem) Error() string { return p.Detail }

// GetStatus returns the HTTP status (huma.StatusError).
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders returns headers to send with the problem (huma.HeadersError), e.g. Retry-After.
func (p *Problem) GetHeaders() http.Header { return p.headers }

// ContentType makes Huma send problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

func newProblem(kind errs.Kind, status int, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Kind: kind.String()}
}

// ProblemOf turns any error into the problem the client sees. Errors that are not classified are
// internal: the client gets "internal error", the log gets the cause with the request id, the
// operation, the tenant and the principal kind. An error in the chain that implements
// huma.HeadersError adds its headers to the problem (the rate limiter's Retry-After, for one).
func ProblemOf(ctx context.Context, log *slog.Logger, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if errors.Is(err, tenancy.ErrNoScope) {
		return ProblemOf(ctx, log, errs.ErrNoTenant)
	}
	if postgres.Unreachable(err) {
		// One line per request: the request's own log line carries the cause, nothing else logs.
		infoFrom(ctx).setError(err)
		return newProblem(errs.Unavailable, http.StatusServiceUnavailable, "the database is unavailable, retry later").
			WithHeader("Retry-After", retryAfterUnavailable)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind == errs.Internal {
		if ctx.Err() == nil {
			log.ErrorContext(ctx, "internal error", append([]any{"err", err}, infoFrom(ctx).attrs()...)...)
		}
		return newProblem(errs.Internal, http.StatusInternalServerError, "internal error")
	}
	status := statusOf[e.Kind]
	p = newProblem(e.Kind, status, e.Message)
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, FieldProblem(f))
	}
	if e.Kind == errs.Unauthorized {
		p.headers = http.Header{"WWW-Authenticate": {`Bearer realm="tenantry", error="invalid_token"`}}
	}
	p.addHeadersOf(err) // e.g. the rate limiter's Retry-After and RateLimit fields
	if e.Kind == errs.Conflict && e.Err != nil {
		log.InfoContext(ctx, "conflict", "err", e.Err)
	}
	return p
}

// addHeadersOf adds the headers of the first error in err's chain that has any (huma.HeadersError).
func (p *Problem) addHeadersOf(err error) {
	var h huma.HeadersError
	if !errors.As(err, &h) {
		return
	}
	for k, vs := range h.GetHeaders() {
		if p.headers == nil {
			p.headers = http.Header{}
		}
		for _, v := range vs {
			p.headers.Add(k, v)
		}
	}
}

// retryAfterUnavailable is the Retry-After, in seconds, of a 503 while the database is unreachable.
const retryAfterUnavailable = "5"

// WithHeader returns p with a response header added (e.g. Retry-After on 429).
func (p *Problem) WithHeader(key, value string) *Problem {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	p.headers.Set(key, value)
	return p
}

// writeProblem writes p directly, for middleware that answers before any handler runs.
func writeProblem(w http.ResponseWriter, p *Problem) {
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	body, _ := json.Marshal(p)
	body = append(body, '\n') // as Huma's encoder ends its bodies: the same error, the same bytes
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

var installProblems sync.Once

// useProblems makes Huma build its own errors (validation, parse, size limits) as Problems. Huma
// exposes this hook only as a package variable; it is set once, to a pure function.
func useProblems() {
	installProblems.Do(func() {
		// Lists are never null: every list the server sends is an empty array at least (Page
		// makes sure), so generated clients get []T rather than *[]T.
		huma.DefaultArrayNullable = false
		huma.NewError = func(status int, msg string, errList ...error) huma.StatusError {
			p := newProblem(kindOfStatus(status), status, msg)
			if status >= 500 {
				p.Detail = "internal error" // Huma's own 5xx messages may carry internals
			}
			for _, e := range errList {
				var d *huma.ErrorDetail
				if errors.As(e, &d) {
					// The value is left out: it may be a password or a token.
					p.Errors = append(p.Errors, FieldProblem{Location: d.Location, Message: d.Message})
				} else if e != nil && status < 500 {
					p.Errors = append(p.Errors, FieldProblem{Message: e.Error()})
				}
			}
			return p
		}
	})
}

// StatusProblem is the problem of a status the error kinds do not name (413 for a body over an
// operation's own limit, 415 for a media type it refuses), classified as Huma's own are.
func StatusProblem(status int, detail string) *Problem {
	return newProblem(kindOfStatus(status), status, detail)
}
