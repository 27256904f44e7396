package httpapi

import "testing"

// TestMatchesStrong: If-Match lists tags or is *; a weak tag never matches; no current tag (no
// object) matches only nothing.
func TestMatchesStrong(t *testing.T) {
	t.Parallel()
	const tag = `"abc"`
	for _, c := range []struct {
		header, tag string
		want        bool
	}{
		{`"abc"`, tag, true},
		{`"x", "abc"`, tag, true},
		{`*`, tag, true},
		{`W/"abc"`, tag, false},
		{`"abcd"`, tag, false},
		{`abc`, tag, false},
		{`""`, "", false},
	} {
		if got := matchesStrong(c.header, c.tag); got != c.want {
			t.Errorf("matchesStrong(%q, %q) = %v, want %v", c.header, c.tag, got, c.want)
		}
	}
}
