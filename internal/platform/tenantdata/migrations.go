package tenantdata

import (
	"embed"
	"io/fs"

	"github.com/tenantry/tenantry/internal/postgres"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the package's goose migrations.
func Migrations() fs.FS { return postgres.MigrationsDir(migrations) }
