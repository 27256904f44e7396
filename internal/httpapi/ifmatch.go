package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/tenantry/tenantry/internal/errs"
)

// IfMatchHeader makes an update conditional: it runs only while the object's current ETag is one
// of the header's (or, for "*", while the object exists).
const IfMatchHeader = "If-Match"

// Preconditions runs the conditional updates (Options.Preconditions).
type Preconditions interface {
	// Exclusive runs fn under a context whose scoped transactions (of the scope in ctx) are one
	// transaction, committed when fn returns nil and rolled back otherwise. While it runs, no
	// other Exclusive call for the same tenant and object runs, across instances.
	Exclusive(ctx context.Context, object string, fn func(context.Context) error) error
}

// updatesOne reports whether op changes one object: a PATCH, PUT or DELETE whose path ends with
// a parameter (/api/v1/sites/{id}). Those with a read of one object at the same path take If-Match.
func updatesOne(op *huma.Operation) bool {
	if op == nil || !strings.HasSuffix(op.Path, "}") {
		return false
	}
	switch op.Method {
	case http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// conditional reports whether op takes If-Match in doc: it updates one object (updatesOne)
// that a GET at the same path reads.
func conditional(doc *huma.OpenAPI, op *huma.Operation) bool {
	if !updatesOne(op) || doc == nil {
		return false
	}
	item := doc.Paths[op.Path]
	return item != nil && item.Get != nil
}

// matchesStrong reports whether an If-Match value lists tag (or is "*"). If-Match compares
// strongly: a weak tag (W/"...") never matches.
func matchesStrong(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || (t == tag && tag != "") {
			return true
		}
	}
	return false
}

// errNotApplied rolls back an update whose answer is not a success (or whose read answered
// something else than the object), so nothing of it commits.
var errNotApplied = errors.New("httpapi: conditional update not applied")

// errPrecondition is a failed If-Match.
var errPrecondition = errs.E(errs.PreconditionFailed, "the object has changed: its current ETag is not one of If-Match")

// ifMatch is the Huma middleware of conditional updates. Without If-Match, or on an operation
// that does not take it, it runs the chain as is. Otherwise, in one transaction of the caller's
// tenant that holds the object's lock (Preconditions.Exclusive), it reads the object with the GET
// at the same path (through the API, with the caller's credentials), compares its ETag with
// If-Match, and answers 412 without running the update when none matches; else it runs the
// update in that transaction, so check and write are atomic, and answers the object's new ETag.
// A read that does not answer 200 (404 for an object the caller cannot see) is the answer.
func (s *Server) ifMatch(pre Preconditions) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		im := ctx.Header(IfMatchHeader)
		if im == "" || pre == nil || !conditional(s.api.OpenAPI(), op) {
			next(ctx)
			return
		}
		var answer *buffered
		err := pre.Exclusive(ctx.Context(), ctx.URL().Path, func(hctx context.Context) error {
			cur := s.readInside(ctx, hctx)
			if cur.status != http.StatusOK {
				answer = cur
				return errNotApplied
			}
			if !matchesStrong(im, cur.header.Get("ETag")) {
				return errPrecondition
			}
			answer = newBuffered(huma.WithContext(ctx, hctx), ctx.BodyReader())
			next(answer)
			if st := answer.recorded().Status; st < 200 || st > 299 {
				return errNotApplied
			}
			if after := s.readInside(ctx, hctx); after.status == http.StatusOK {
				answer.header.Set("ETag", after.header.Get("ETag"))
			}
			return nil
		})
		switch {
		case errors.Is(err, errNotApplied) && answer != nil:
			answer.flush(ctx)
		case err != nil:
			fail(s.api, ctx, s.log, err)
		default:
			answer.flush(ctx)
		}
	}
}

// readInside runs the GET at the path of ctx's request, with its credentials, under hctx (in
// the held transaction), and returns its answer. The request's own log line keeps its operation.
func (s *Server) readInside(ctx huma.Context, hctx context.Context) *buffered {
	r, _ := humago.Unwrap(ctx)
	get := r.Clone(context.WithValue(hctx, innerReadKey{}, true))
	get.Method = http.MethodGet
	get.Body, get.ContentLength = http.NoBody, 0
	for _, h := range []string{IfMatchHeader, "If-None-Match", "Content-Type", "Content-Length", IdempotencyKeyHeader} {
		get.Header.Del(h)
	}
	w := &recorder{header: http.Header{}}
	s.mux.ServeHTTP(w, get)
	infoFrom(ctx.Context()).setOperation(ctx.Operation().OperationID)
	b := newBuffered(ctx, nil)
	b.status, b.header, b.out = w.status, w.header, w.body
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b
}

// innerReadKey marks the context of a read made by ifMatch: admission checks (rate limits) do
// not count it, the request that made it has passed them.
type innerReadKey struct{}

func innerRead(ctx context.Context) bool { v, _ := ctx.Value(innerReadKey{}).(bool); return v }

// recorder is the http.ResponseWriter of readInside.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

// documentUpdate declares If-Match and its 412 on an update of one object (updatesOne); the
// document drops them again from those no GET reads (undocumentUpdate).
func documentUpdate(op *huma.Operation) {
	op.Parameters = append(op.Parameters, &huma.Param{
		Name: IfMatchHeader, In: "header",
		Description: "ETags of the object (from its GET), or *: the change is made only while the object's current ETag is one of " +
			"them (with *, while it exists); else the answer is 412 and nothing changes. Weak tags never match. The answer carries " +
			"the object's new ETag.",
		Schema: &huma.Schema{Type: huma.TypeString},
	})
	if !slices.Contains(op.Errors, http.StatusPreconditionFailed) {
		op.Errors = append(op.Errors, http.StatusPreconditionFailed)
	}
}

// finishUpdate completes the declaration of If-Match on op in doc: the new ETag of its success,
// or, when no GET reads its object, no If-Match and no 412 at all.
func finishUpdate(doc *huma.OpenAPI, op *huma.Operation) {
	if !updatesOne(op) {
		return
	}
	if !conditional(doc, op) {
		op.Parameters = slices.DeleteFunc(op.Parameters, func(p *huma.Param) bool { return p.In == "header" && p.Name == IfMatchHeader })
		delete(op.Responses, "412")
		return
	}
	if ok := op.Responses["200"]; ok != nil {
		if ok.Headers == nil {
			ok.Headers = map[string]*huma.Header{}
		}
		ok.Headers["ETag"] = &huma.Header{Description: "The object's new entity tag, when the request carried If-Match", Schema: &huma.Schema{Type: huma.TypeString}}
	}
}
