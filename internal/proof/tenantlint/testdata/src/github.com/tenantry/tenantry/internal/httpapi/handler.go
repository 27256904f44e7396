// Package httpapi runs in a request path: no fresh root contexts.
package httpapi

import (
	"context"
	"net/http"
)

func work(ctx context.Context) error { return ctx.Err() }

func Handle(w http.ResponseWriter, r *http.Request) {
	_ = work(r.Context())
	_ = work(context.Background()) // want `ctxbg: context.Background\(\) outside cmd/: pass the request context down`
	_ = work(context.TODO())       // want `ctxbg: context.TODO\(\) outside cmd/`
	detached := context.WithoutCancel(r.Context())
	_ = work(detached)
}
