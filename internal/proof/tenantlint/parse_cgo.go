//go:build cgo

package tenantlint

import pg_query "github.com/pganalyze/pg_query_go/v6"

// parseSQL parses sql with libpg_query linked through cgo.
func parseSQL(sql string) (*pg_query.ParseResult, error) {
	return pg_query.Parse(sql)
}
