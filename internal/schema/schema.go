// Package schema lists the migrations of every package that owns tables, in one place, for the
// binary (tenantry migrate, dev) and the test environment. A product that adds tables adds its
// migrations directory here.
package schema

import (
	"io/fs"

	"github.com/tenantry/tenantry/internal/apikeys"
	"github.com/tenantry/tenantry/internal/identity"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/mail"
	"github.com/tenantry/tenantry/internal/parking"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/staff"
)

// Migrations returns every package's migrations. Versions are timestamps, so their union sorts in
// the order they were written.
func Migrations() []fs.FS {
	return []fs.FS{postgres.CoreMigrations(), apikeys.Migrations(), identity.Migrations(), mail.Migrations(), staff.Migrations(), parking.Migrations(), flows.Migrations(), jobs.Migrations()}
}
