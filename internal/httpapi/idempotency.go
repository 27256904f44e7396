package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// The headers of idempotent creates.
const (
	// IdempotencyKeyHeader carries the client's key for a create: a retry with the same key and
	// the same request gets the original response instead of a second effect.
	IdempotencyKeyHeader = "Idempotency-Key"
	// ReplayedHeader is "true" on a response replayed for a repeated key.
	ReplayedHeader = "Idempotent-Replayed"
)

// Recorded is a response as an Idempotency store keeps it: the status, the headers that describe
// the result, and the body.
type Recorded struct {
	Status      int
	Location    string
	ContentType string
	Body        []byte
}

// Idempotency runs creates at most once per key (Options.Idempotency). The keys are kept per
// tenant and principal of the scope in ctx, for a day.
type Idempotency interface {
	// Once runs create unless the key already holds a response: then it returns that response
	// (replayed) when fingerprint matches the request that stored it, and errs.Invalid when it does
	// not. create runs under a context whose scoped transactions are one with the one that stores
	// its response, so the effect and the stored response commit together; a response that is not
	// a success is returned without being stored, and nothing of its request commits. Requests
	// with the same key wait for one another.
	Once(ctx context.Context, operation, key string, fingerprint [32]byte, create func(context.Context) (Recorded, error)) (rec Recorded, replayed bool, err error)
}

// Creates reports whether op is a create: a POST whose success is 201 Created. Every create
// takes an Idempotency-Key and answers a Location.
func Creates(op *huma.Operation) bool {
	return op != nil && op.Method == http.MethodPost && op.DefaultStatus == http.StatusCreated
}

// validKey is what an Idempotency-Key may be: 1 to 255 visible ASCII characters.
func validKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// creates is the Huma middleware of every create: it runs after authentication (an idempotency
// key belongs to the caller's tenant and principal) and before the input is parsed. It runs the
// rest of the chain into a buffer, adds the Location of the created object to a 201, and sends
// it. With an Idempotency-Key it reads the body first, to fingerprint the request, and runs the
// chain under the store's transaction (Idempotency.Once): a repeated key gets the stored response.
func creates(api huma.API, log *slog.Logger, store Idempotency) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if !Creates(op) {
			next(ctx)
			return
		}
		key := ctx.Header(IdempotencyKeyHeader)
		if key == "" || store == nil {
			b := newBuffered(ctx, ctx.BodyReader())
			next(b)
			b.locate(log, ctx)
			b.flush(ctx)
			return
		}
		if !validKey(key) {
			fail(api, ctx, log, errs.Invalidf("header."+IdempotencyKeyHeader, "use 1 to 255 visible ASCII characters"))
			return
		}
		if _, err := tenancy.FromContext(ctx.Context()); err != nil {
			fail(api, ctx, log, errs.Invalidf("header."+IdempotencyKeyHeader, "idempotency keys need a current tenant"))
			return
		}
		body, err := io.ReadAll(ctx.BodyReader())
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				fail(api, ctx, log, newProblem(kindOfStatus(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge, "request body too large"))
			} else {
				fail(api, ctx, log, errs.Invalidf("body", "the request body could not be read"))
			}
			return
		}
		var fresh *buffered
		rec, replayed, err := store.Once(ctx.Context(), op.OperationID, key, fingerprint(op, ctx, body),
			func(c context.Context) (Recorded, error) {
				fresh = newBuffered(huma.WithContext(ctx, c), bytes.NewReader(body))
				next(fresh)
				fresh.locate(log, ctx)
				return fresh.recorded(), nil
			})
		switch {
		case errs.KindOf(err) == errs.Invalid:
			fail(api, ctx, log, errs.Invalidf("header."+IdempotencyKeyHeader, "this key was used with another request"))
			return
		case err != nil:
			fail(api, ctx, log, err)
			return
		case replayed:
			ctx.SetHeader(ReplayedHeader, "true")
		case fresh != nil:
			fresh.copyHeaders(ctx)
		}
		send(ctx, rec)
	}
}

// fingerprint identifies a request for its key: the operation, the path (with its ids), the query
// and the body, byte for byte.
func fingerprint(op *huma.Operation, ctx huma.Context, body []byte) [32]byte {
	h := sha256.New()
	u := ctx.URL()
	for _, part := range []string{op.OperationID, u.Path, u.RawQuery} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// send writes rec to ctx.
func send(ctx huma.Context, rec Recorded) {
	if rec.ContentType != "" {
		ctx.SetHeader("Content-Type", rec.ContentType)
	}
	if rec.Location != "" {
		ctx.SetHeader("Location", rec.Location)
	}
	ctx.SetHeader("Content-Length", strconv.Itoa(len(rec.Body)))
	ctx.SetStatus(rec.Status)
	_, _ = ctx.BodyWriter().Write(rec.Body)
}

// humaContext names the embedded huma.Context of buffered (whose Context method it keeps).
type humaContext = huma.Context

// buffered is a huma.Context whose response is kept in memory: the request body is the one
// already read, and status, headers and body are recorded.
type buffered struct {
	humaContext
	in     io.Reader
	status int
	header http.Header
	out    bytes.Buffer
}

func newBuffered(ctx huma.Context, body io.Reader) *buffered {
	return &buffered{humaContext: ctx, in: body, header: http.Header{}}
}

// copyHeaders sets the headers the chain set on ctx.
func (b *buffered) copyHeaders(ctx huma.Context) {
	for k, vs := range b.header {
		for i, v := range vs {
			if i == 0 {
				ctx.SetHeader(k, v)
			} else {
				ctx.AppendHeader(k, v)
			}
		}
	}
}

// flush sends the recorded response to ctx.
func (b *buffered) flush(ctx huma.Context) {
	b.copyHeaders(ctx)
	send(ctx, b.recorded())
}

// locate sets the Location of a 201 from the operation's template (Routes.Location): each
// {name} is the body's top-level field name or, failing that, the path parameter name.
func (b *buffered) locate(log *slog.Logger, ctx huma.Context) {
	tmpl, _ := ctx.Operation().Metadata[locationKey].(string)
	if b.status != http.StatusCreated || tmpl == "" || b.header.Get("Location") != "" {
		return
	}
	var fields map[string]any
	dec := json.NewDecoder(bytes.NewReader(b.out.Bytes()))
	dec.UseNumber()
	_ = dec.Decode(&fields)
	var missing []string
	loc := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[1 : len(m)-1]
		switch v := fields[name].(type) {
		case string:
			return url.PathEscape(v)
		case json.Number:
			return v.String()
		}
		if v := ctx.Param(name); v != "" {
			return url.PathEscape(v)
		}
		missing = append(missing, name)
		return m
	})
	if len(missing) > 0 {
		log.ErrorContext(ctx.Context(), "create without the fields of its Location", "operation", ctx.Operation().OperationID, "missing", missing)
		return
	}
	b.header.Set("Location", loc)
}

// placeholder is a {name} in a Location template.
var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func (b *buffered) BodyReader() io.Reader           { return b.in }
func (b *buffered) SetStatus(code int)              { b.status = code }
func (b *buffered) Status() int                     { return b.status }
func (b *buffered) SetHeader(name, value string)    { b.header.Set(name, value) }
func (b *buffered) AppendHeader(name, value string) { b.header.Add(name, value) }
func (b *buffered) BodyWriter() io.Writer           { return &b.out }
func (b *buffered) recorded() Recorded {
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	return Recorded{Status: status, Location: b.header.Get("Location"), ContentType: b.header.Get("Content-Type"), Body: b.out.Bytes()}
}
