package parking_test

import (
	"slices"
	"testing"
)

// TestParkingSpaceListPages checks both statements behind GET /api/v1/spaces: without filters
// (ListLiveSpaces, keyset pages from the first code) the pages of 2 add up to the one-page list of
// live spaces by code, and a deleted space appears only with include_deleted (ListSpaces).
func TestParkingSpaceListPages(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := s.parkingTenant("pages")
	var want []string
	for _, code := range []string{"C-2", "A-1", "B-7", "A-10", "C-1"} {
		s.space(a, code)
		want = append(want, code)
	}
	gone := s.space(a, "B-0")
	s.Must(204, "DELETE", "/api/v1/spaces/"+gone, a.Access, nil)
	slices.Sort(want)
	codes := func(body map[string]any) []string {
		var out []string
		for _, it := range body["items"].([]any) {
			out = append(out, it.(map[string]any)["code"].(string))
		}
		return out
	}
	var paged []string
	cursor := ""
	for range 5 {
		body := s.Must(200, "GET", "/api/v1/spaces?limit=2&cursor="+cursor, a.Access, nil)
		paged = append(paged, codes(body)...)
		if cursor, _ = body["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of 2: %v, want %v", paged, want)
	}
	if all := codes(s.Must(200, "GET", "/api/v1/spaces?include_deleted=true", a.Access, nil)); !slices.Contains(all, "B-0") || len(all) != len(want)+1 {
		t.Errorf("include_deleted: %v", all)
	}
}
