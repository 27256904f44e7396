package httpapi

import (
	"encoding/base64"
	"encoding/json"

	"github.com/tenantry/tenantry/internal/errs"
)

// Page-size bounds of every list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// PageInput is embedded in the input of every list operation: keyset pagination with an opaque
// cursor, and a page size that is clamped (never rejected) to 1..MaxPageSize.
type PageInput struct {
	Limit  int    `query:"limit" default:"50" doc:"Page size, 1 to 100; larger values are reduced to 100" example:"50"`
	Cursor string `query:"cursor" maxLength:"512" doc:"The next_cursor of the previous page; omit for the first page"`
}

// Size returns the clamped page size.
func (p PageInput) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// after decodes the cursor into key (the sort key of the last item of the previous page). It
// reports false for the first page. A cursor that does not decode is an Invalid error.
func (p PageInput) after(key any) (bool, error) {
	if p.Cursor == "" {
		return false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil || json.Unmarshal(raw, key) != nil {
		return false, errs.Invalidf("query.cursor", "invalid cursor")
	}
	return true, nil
}

// Cursor encodes the sort key of the last item of a page as an opaque cursor.
func Cursor(key any) string {
	raw, err := json.Marshal(key)
	if err != nil {
		panic(err) // keys are plain structs of ids and times
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// Page is the body of a list response.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page"`
}

// List answers one page of a keyset-paginated list; every list operation goes through it. It
// decodes p's cursor into the sort key of the previous page's last item (after is nil for the
// first page; a cursor that does not decode is Invalid), asks fetch for the page after it, and
// sets the next page's cursor. fetch returns, in sort order, up to size+1 items: the extra one
// only says that there is a next page. key is an item's sort key, as fetch reads it back.
func List[T, K any](p PageInput, key func(T) K, fetch func(size int, after *K) ([]T, error)) (Page[T], error) {
	var k K
	var after *K
	ok, err := p.after(&k)
	if err != nil {
		return Page[T]{}, err
	}
	if ok {
		after = &k
	}
	items, err := fetch(p.Size(), after)
	if err != nil {
		return Page[T]{}, err
	}
	return newPage(items, p.Size(), func(t T) any { return key(t) }), nil
}

// newPage builds a page from up to size+1 fetched items: the extra item, when present, only says
// that there is a next page, whose cursor keyOf derives from the last item kept.
func newPage[T any](items []T, size int, keyOf func(T) any) Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= size {
		return Page[T]{Items: items}
	}
	items = items[:size]
	return Page[T]{Items: items, NextCursor: Cursor(keyOf(items[size-1]))}
}
