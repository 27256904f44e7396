package httpapi

import (
	"context"
	"net/http"
	"testing"
)

type versioned struct {
	Body struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
}

// TestETag: a read of one object carries an ETag; If-None-Match with it answers 304 without a
// body, until the object changes; a list has no ETag.
func TestETag(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	version := 1
	r := NewRoutes(s.API(), s.Logger()).Tag("Things")
	Get(r, "/things/{id}", "get-thing", Access{Class: Public}, func(_ context.Context, in *IDInput) (*versioned, error) {
		out := &versioned{}
		out.Body.ID, out.Body.Version = in.RawID, version
		return out, nil
	}, "Get a thing")
	Get(r, "/things", "list-things", Access{Class: Public}, func(context.Context, *struct{}) (*versioned, error) {
		return &versioned{}, nil
	}, "List things")
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	const path = "/things/0190f8a0-0000-7000-8000-000000000001"
	first := serveOne(h, http.MethodGet, path)
	tag := first.Header().Get("ETag")
	if first.Code != 200 || len(tag) < 10 {
		t.Fatalf("GET: %d, ETag %q", first.Code, tag)
	}
	if again := serveOne(h, http.MethodGet, path, "If-None-Match", tag); again.Code != http.StatusNotModified || again.Body.Len() != 0 ||
		again.Header().Get("ETag") != tag {
		t.Errorf("If-None-Match with the tag: %d %q %q", again.Code, again.Header().Get("ETag"), again.Body)
	}
	if other := serveOne(h, http.MethodGet, path, "If-None-Match", `"other"`); other.Code != 200 {
		t.Errorf("If-None-Match with another tag: %d", other.Code)
	}
	version = 2
	if changed := serveOne(h, http.MethodGet, path, "If-None-Match", tag); changed.Code != 200 || changed.Header().Get("ETag") == tag {
		t.Errorf("after a change: %d, ETag %q (was %q)", changed.Code, changed.Header().Get("ETag"), tag)
	}
	if list := serveOne(h, http.MethodGet, "/things"); list.Header().Get("ETag") != "" {
		t.Errorf("a list has an ETag: %q", list.Header().Get("ETag"))
	}
}
