package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// requestInfo is filled in as a request passes through the layers, for the log line and metrics.
type requestInfo struct {
	mu        sync.Mutex
	id        string
	operation string
	tenant    string
	principal string
	err       string // the cause of a 503, for the request's log line
}

func (i *requestInfo) setError(err error) {
	i.mu.Lock()
	i.err = err.Error()
	i.mu.Unlock()
}

func (i *requestInfo) setOperation(op string) {
	i.mu.Lock()
	i.operation = op
	i.mu.Unlock()
}

// attrs returns the request's id, operation, tenant and principal kind, for a log line about the
// request (empty until the step that learns them has run, and outside a request).
func (i *requestInfo) attrs() []any {
	i.mu.Lock()
	defer i.mu.Unlock()
	return []any{"request_id", i.id, "operation", i.operation, "tenant", i.tenant, "principal", i.principal}
}

func (i *requestInfo) setCaller(c Caller) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !c.Tenant.IsZero() {
		i.tenant = c.Tenant.String()
	}
	i.principal = string(c.Principal.Kind)
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{}
}

// RequestID returns the id of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string { return infoFrom(ctx).id }

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status a handler wrote. It also turns the plain-text errors of
// the standard library's handlers (the mux's 404 and 405, a file server's 404, a body over the
// limit) into problem+json, so a client meets one error format whatever answered.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	swallow bool // a plain-text error was replaced by its problem: drop the handler's body
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status != 0 {
		return
	}
	r.status = code
	h := r.ResponseWriter.Header()
	if code >= 400 && strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		r.swallow = true
		h.Del("Content-Length")
		writeProblem(r.ResponseWriter, plainProblem(code))
		return
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.swallow {
		return len(b), nil
	}
	return r.ResponseWriter.Write(b)
}

// plainProblem is the problem a plain-text status stands for: an unknown path answers the same
// body as a missing object; a wrong method keeps its 405 and the mux's Allow header.
func plainProblem(code int) *Problem {
	switch code {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return newProblem(errs.NotFound, code, "not found")
	case http.StatusRequestEntityTooLarge:
		return newProblem(kindOfStatus(code), code, "request body too large")
	default:
		return newProblem(kindOfStatus(code), code, strings.ToLower(http.StatusText(code)))
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe is the outermost middleware: request id, body size limit, panic recovery, one JSON log
// line per request (never a header value: tokens and keys stay out of logs) and metrics.
//
// With a tracer (nil: tracing off), each request is a server span, joined to the caller's trace
// when it sent a traceparent header, and named by its operation id once routing found it (the
// method alone before that and for requests outside the API): never the raw path, whose ids are
// tenant data. Its attributes are the method, the status, the operation and the caller's tenant id.
func observe(log *slog.Logger, m *metrics, tracer trace.Tracer, bodyLimit func(*http.Request) int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: r.Header.Get("X-Request-Id")}
		if !requestIDPattern.MatchString(info.id) {
			info.id = newRequestID()
		}
		w.Header().Set("X-Request-Id", info.id)
		securityHeaders(w.Header())
		ctx := r.Context()
		if tracer != nil {
			var span trace.Span
			ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("tenantry.request_id", info.id)))
			defer span.End()
		}
		ctx = context.WithValue(ctx, infoKey{}, info)
		r = r.WithContext(tenancy.WithRequest(ctx, tenancy.Request{ID: info.id, IP: clientIP(r)}))
		maxBody := bodyLimit(r)
		if r.ContentLength > maxBody {
			writeProblem(w, newProblem(kindOfStatus(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge, "request body too large"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic", append([]any{"panic", p}, info.attrs()...)...)
				if rec.status == 0 {
					writeProblem(rec, newProblem(kindOfStatus(500), http.StatusInternalServerError, "internal error"))
				}
			}
			finish(log, m, r, rec, info, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

func finish(log *slog.Logger, m *metrics, r *http.Request, rec *statusRecorder, info *requestInfo, d time.Duration) {
	info.mu.Lock()
	op, tenant, principal, cause := info.operation, info.tenant, info.principal, info.err
	info.mu.Unlock()
	if op == "" {
		op = "other"
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	m.observe(op, r.Method, rec.status, d)
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", info.id), slog.String("method", r.Method), slog.String("path", logPath(r.URL.Path)),
		slog.String("operation", op), slog.Int("status", rec.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("tenant", tenant), slog.String("principal", principal),
	}
	if cause != "" {
		attrs = append(attrs, slog.String("err", cause))
	}
	log.LogAttrs(r.Context(), level, "request", attrs...)
	if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
		if op != "other" {
			span.SetName(op)
		}
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status), attribute.String("tenantry.operation", op))
		if tenant != "" {
			span.SetAttributes(attribute.String("tenantry.tenant_id", tenant))
		}
		if rec.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(rec.status))
		}
	}
}

// clientIP is the peer address. Forwarded headers are not trusted: a proxy in front of Tenantry
// is not configured yet, and a header anyone can set must not land in the audit log as fact.
func clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// logPath is a request path as the log shows it: an opaque token in it (a share link's page
// /s/tnr_shr_…, the API's /api/v1/share/{token}) keeps its kind and loses its secret, so the log
// never holds a credential that opens something.
func logPath(p string) string {
	if !strings.Contains(p, "tnr_") {
		return p
	}
	var b strings.Builder
	for i, seg := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if rest, ok := strings.CutPrefix(seg, "tnr_"); ok {
			if kind, _, found := strings.Cut(rest, "_"); found {
				b.WriteString("tnr_" + kind + "_[redacted]")
				continue
			}
		}
		b.WriteString(seg)
	}
	return b.String()
}
