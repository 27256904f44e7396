package httpapi

import (
	"errors"
	"slices"
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
	ok, err := PageInput{Cursor: Cursor(in)}.after(&out)
	if !ok || err != nil || out != in {
		t.Fatalf("round trip: %v %v %+v", ok, err, out)
	}
	if ok, err := (PageInput{}).after(&out); ok || err != nil {
		t.Errorf("first page: %v %v", ok, err)
	}
	for _, bad := range []string{"!!", "e30", "bm90IGpzb24"} {
		var k key
		if _, err := (PageInput{Cursor: bad}).after(&k); bad != "e30" && !errs.Is(err, errs.Invalid) {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}

func TestPageFromExtraItem(t *testing.T) {
	p := newPage([]int{1, 2, 3}, 2, func(i int) any { return i })
	if len(p.Items) != 2 || p.NextCursor != Cursor(2) {
		t.Errorf("page with more: %+v", p)
	}
	p = newPage([]int{1, 2}, 2, func(i int) any { return i })
	if len(p.Items) != 2 || p.NextCursor != "" {
		t.Errorf("last page: %+v", p)
	}
	if p := newPage[int](nil, 2, nil); p.Items == nil {
		t.Error("an empty page must encode items as [] not null")
	}
}

// TestList: the cursor of one page brings the next, the page size is clamped before fetch sees
// it, and a cursor that does not decode is Invalid before anything is fetched.
func TestList(t *testing.T) {
	type key struct{ N int }
	all := []int{1, 2, 3, 4, 5}
	var sizes []int
	fetch := func(size int, after *key) ([]int, error) {
		sizes = append(sizes, size)
		from := 0
		if after != nil {
			from = after.N
		}
		return all[from:min(len(all), from+size+1)], nil
	}
	byN := func(i int) key { return key{i} }
	var got []int
	cursor := ""
	for range 4 {
		p, err := List(PageInput{Limit: 2, Cursor: cursor}, byN, fetch)
		if err != nil {
			t.Fatal(err)
		}
		got, cursor = append(got, p.Items...), p.NextCursor
		if cursor == "" {
			break
		}
	}
	if !slices.Equal(got, all) || cursor != "" || !slices.Equal(sizes, []int{2, 2, 2}) {
		t.Errorf("pages: %v, last cursor %q, sizes %v", got, cursor, sizes)
	}
	sizes = nil
	if p, err := List(PageInput{Limit: 1000}, byN, fetch); err != nil || len(p.Items) != 5 || sizes[0] != MaxPageSize {
		t.Errorf("large limit: %v %v, fetched with %v", p, err, sizes)
	}
	sizes = nil
	if _, err := List(PageInput{Cursor: "!!"}, byN, fetch); !errs.Is(err, errs.Invalid) || sizes != nil {
		t.Errorf("bad cursor: %v, fetched %v", err, sizes)
	}
	boom := errors.New("boom")
	if _, err := List(PageInput{}, byN, func(int, *key) ([]int, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("fetch error: %v", err)
	}
	if p, _ := List(PageInput{}, byN, func(int, *key) ([]int, error) { return nil, nil }); p.Items == nil {
		t.Error("an empty page must encode items as [] not null")
	}
}
