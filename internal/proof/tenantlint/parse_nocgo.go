//go:build !cgo

package tenantlint

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgquery "github.com/wasilibs/go-pgquery"
)

// parseSQL parses sql with libpg_query compiled to WebAssembly, so that
// CGO_ENABLED=0 builds still check SQL with the real parser. The first call
// in a process pays about 2.5 s while wazero compiles the module.
func parseSQL(sql string) (*pg_query.ParseResult, error) {
	return pgquery.Parse(sql)
}
