package postgres

import "testing"

// TestDescribeStatement: a span names a statement by sqlc's query name and its first keyword,
// past comments and white space, and never carries more of its text.
func TestDescribeStatement(t *testing.T) {
	for _, c := range []struct{ sql, name, keyword string }{
		{"-- name: GetSite :one\nSELECT id FROM sites WHERE id = $1", "GetSite", "SELECT"},
		{"  /* hint */ insert into audit_events VALUES ($1)", "", "INSERT"},
		{"WITH x AS (SELECT 1) SELECT * FROM x", "", "WITH"},
		{"-- a note\n-- name: Touch :exec\n\tUPDATE t SET a = 'secret'", "Touch", "UPDATE"},
		{"/* unterminated", "", ""},
		{"", "", ""},
	} {
		name, keyword := describeStatement(c.sql)
		if name != c.name || keyword != c.keyword {
			t.Errorf("%q: %q %q, want %q %q", c.sql, name, keyword, c.name, c.keyword)
		}
	}
}
