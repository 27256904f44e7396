package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
)

// formatInput is how path ids were declared before IDInput: a string with format uuid.
type formatInput struct {
	ID string `path:"id" format:"uuid" doc:"The object's id"`
}

type deleteInput struct {
	IDInput
	Force bool `query:"force"`
}

// TestIDInput: a path id reaches the handler parsed, also when IDInput is embedded with other
// parameters, and a malformed one answers exactly like Huma's format check on a string: 422 with
// the same body, before the handler runs.
func TestIDInput(t *testing.T) {
	srv := testServer(t)
	rt := NewRoutes(srv.API(), srv.Logger())
	var got uuid.UUID
	var calls int
	Get(rt, "/format/{id}", "format", Access{Class: Public}, func(_ context.Context, in *formatInput) (*NoContent, error) {
		calls++
		return &NoContent{}, nil
	}, "The old way")
	Get(rt, "/id/{id}", "id", Access{Class: Public}, func(_ context.Context, in *IDInput) (*NoContent, error) {
		calls++
		got = in.ID
		return &NoContent{}, nil
	}, "IDInput")
	Delete(rt, "/id/{id}", "delete-id", Access{Class: Public}, func(_ context.Context, in *deleteInput) (*NoContent, error) {
		calls++
		got = in.ID
		return &NoContent{}, nil
	}, "IDInput embedded")
	h, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	serve := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}
	id := uuid.Must(uuid.NewV7())
	for _, text := range []string{id.String(), "urn:uuid:" + id.String(), "{" + id.String() + "}"} {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			got = uuid.Nil
			if w := serve(method, "/id/"+text); w.Code != http.StatusNoContent || got != id {
				t.Errorf("%s %s: %d, id %s, want 204 and %s", method, text, w.Code, got, id)
			}
		}
	}
	calls = 0
	for _, bad := range []string{"x", "0190f0f0-0000-7000-8000-00000000000g", id.String() + "0", "%20"} {
		want, w := serve(http.MethodGet, "/format/"+bad), serve(http.MethodGet, "/id/"+bad)
		if w.Code != http.StatusUnprocessableEntity || w.Code != want.Code || w.Body.String() != want.Body.String() {
			t.Errorf("id %q: %d %s\nwant %d %s", bad, w.Code, w.Body, want.Code, want.Body)
		}
	}
	if calls != 0 {
		t.Errorf("a malformed id reached a handler %d times", calls)
	}
}

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	if w, err := (WindowInput{}).Window(); err != nil || w.Since != nil || w.Until != nil {
		t.Errorf("open window: %+v %v", w, err)
	}
	if w, err := (WindowInput{From: t0, To: t0.Add(time.Hour)}).Window(); err != nil || !w.Since.Equal(t0) || !w.Until.Equal(t0.Add(time.Hour)) {
		t.Errorf("window: %+v %v", w, err)
	}
	for _, to := range []time.Time{t0, t0.Add(-time.Second)} {
		if _, err := (WindowInput{From: t0, To: to}).Window(); !errs.Is(err, errs.Invalid) {
			t.Errorf("to %s before or at from: %v", to, err)
		}
	}
}

func TestCheckTimezone(t *testing.T) {
	for tz, ok := range map[string]bool{"Europe/Lisbon": true, "UTC": true, "America/Argentina/Buenos_Aires": true,
		"": false, "Local": false, " UTC": false, "Mars/Olympus": false, "../../etc/passwd": false} {
		err := CheckTimezone("body.timezone", tz)
		if (err == nil) != ok || (err != nil && !errs.Is(err, errs.Invalid)) {
			t.Errorf("%q: %v", tz, err)
		}
	}
}

func TestOptionalID(t *testing.T) {
	id := uuid.Must(uuid.NewV7())
	if got, err := OptionalID("query.space_id", ""); err != nil || got.Valid {
		t.Errorf("empty: %+v %v", got, err)
	}
	if got, err := OptionalID("query.space_id", id.String()); err != nil || !got.Valid || got.UUID != id {
		t.Errorf("an id: %+v %v", got, err)
	}
	var e *errs.Error
	if _, err := OptionalID("query.space_id", "nope"); !errors.As(err, &e) || e.Kind != errs.Invalid || e.Fields[0].Location != "query.space_id" {
		t.Errorf("malformed: %v", err)
	}
}

func TestOptional(t *testing.T) {
	var body struct {
		A Optional[float64] `json:"a"`
		B Optional[float64] `json:"b"`
		C Optional[float64] `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a": 1.5, "b": null}`), &body); err != nil {
		t.Fatal(err)
	}
	if p := body.A.Ptr(); !body.A.Set || p == nil || *p != 1.5 {
		t.Errorf("a value: %+v", body.A)
	}
	if !body.B.Set || !body.B.Null || body.B.Ptr() != nil {
		t.Errorf("null: %+v", body.B)
	}
	if body.C.Set || body.C.Ptr() != nil {
		t.Errorf("absent: %+v", body.C)
	}
}
