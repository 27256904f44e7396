package httpapi

import (
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
)

func TestPageSizeIsClamped(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, 50}, {-3, 50}, {1, 1}, {100, 100}, {101, 100}, {1_000_000_000, 100}} {
		if got := (PageInput{Limit: c.in}).Size(); got != c.want {
			t.Errorf("limit %d: size %d, want %d", c.in, got, c.want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	type key struct {
		At time.Time
		ID string
	}
	in := key{At: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), ID: "x"}
	var out key
	ok, err := PageInput{Cursor: Cursor(in)}.After(&out)
	if !ok || err != nil || out != in {
		t.Fatalf("round trip: %v %v %+v", ok, err, out)
	}
	if ok, err := (PageInput{}).After(&out); ok || err != nil {
		t.Errorf("first page: %v %v", ok, err)
	}
	for _, bad := range []string{"!!", "e30", "bm90IGpzb24"} {
		var k key
		if _, err := (PageInput{Cursor: bad}).After(&k); bad != "e30" && !errs.Is(err, errs.Invalid) {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}

func TestNewPage(t *testing.T) {
	p := NewPage([]int{1, 2, 3}, 2, func(i int) any { return i })
	if len(p.Items) != 2 || p.NextCursor != Cursor(2) {
		t.Errorf("page with more: %+v", p)
	}
	p = NewPage([]int{1, 2}, 2, func(i int) any { return i })
	if len(p.Items) != 2 || p.NextCursor != "" {
		t.Errorf("last page: %+v", p)
	}
	if p := NewPage[int](nil, 2, nil); p.Items == nil {
		t.Error("an empty page must encode items as [] not null")
	}
}
