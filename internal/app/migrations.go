package app

import (
	"io/fs"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/platform/apikeys"
	"github.com/tenantry/tenantry/internal/platform/idempotency"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/platform/staff"
	"github.com/tenantry/tenantry/internal/platform/tenantdata"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/parking"
)

// Migrations returns every package's migrations, for the binary (tenantry migrate, dev), the test
// kit and the load harness; a product that adds tables adds its migrations here. Versions are timestamps, so their union sorts in
// the order they were written.
func Migrations() []fs.FS {
	return []fs.FS{postgres.CoreMigrations(), apikeys.Migrations(), identity.Migrations(), mail.Migrations(), staff.Migrations(), idempotency.Migrations(), webhooks.Migrations(), parking.Migrations(), flows.Migrations(), jobs.Migrations(), tenantdata.Migrations()}
}
