package httpapi

import (
	"context"
	"log/slog"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// ContextHandler wraps h so that every record logged with a request's context (InfoContext,
// ErrorContext, LogAttrs...) carries the request's request_id, operation and tenant, as far as the
// request got (the operation after routing, the tenant after authentication; a job's tenant
// scope gives the tenant outside a request). A record that already names request_id (the request
// line itself) is left as it is. Wrapping twice adds nothing.
func ContextHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(contextHandler); ok {
		return h
	}
	return contextHandler{h}
}

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.Handler.Handle(ctx, r)
	}
	id, op, tenant := "", "", ""
	if i, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		i.mu.Lock()
		id, op, tenant = i.id, i.operation, i.tenant
		i.mu.Unlock()
	}
	if tenant == "" {
		if s, err := tenancy.FromContext(ctx); err == nil && !s.Tenant.IsZero() {
			tenant = s.Tenant.String()
		}
	}
	if id == "" && op == "" && tenant == "" {
		return h.Handler.Handle(ctx, r)
	}
	named := false
	r.Attrs(func(a slog.Attr) bool {
		named = a.Key == "request_id"
		return !named
	})
	if named {
		return h.Handler.Handle(ctx, r)
	}
	r = r.Clone()
	if id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if op != "" {
		r.AddAttrs(slog.String("operation", op))
	}
	if tenant != "" {
		r.AddAttrs(slog.String("tenant", tenant))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
