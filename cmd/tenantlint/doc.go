// Command tenantlint runs Tenantry's static isolation checks (package
// internal/proof/tenantlint): tenantsql, rawdb and ctxbg.
//
// Standalone, from the module root:
//
//	go run ./cmd/tenantlint ./...
//	tenantlint [-tenantsql.migrations=GLOBS] [-rawdb.allow=PATHS] [-ctxbg.allow=PATHS] ./...
//
// As a vet tool:
//
//	go vet -vettool=$(which tenantlint) ./...
//
// Each analyzer can be switched on alone (-tenantsql, -rawdb, -ctxbg); the
// exit status is non-zero when there is a finding.
//
// To see which tables the checker treats as tenant tables:
//
//	tenantlint tables [-migrations=GLOBS] [DIR]
//
// prints the migration files read and the tables with a tenant_id column.
package main
