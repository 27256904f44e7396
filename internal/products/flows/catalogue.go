package flows

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// The catalogue of categories and tags: global rows, shipped by migrations and read-only to
// tenants, next to each tenant's own. Any member reads both; admins manage their tenant's rows.
// Changing a global row is Forbidden (its existence is no secret); another tenant's row is NotFound.

// The global catalogue's tables (migrations/20261204200001_flows.sql): every tenant reads them,
// none writes them.
var (
	_ = postgres.RegisterGlobal(postgres.GlobalTable{Name: "flow_global_categories", App: []string{"SELECT"},
		Why: "categories shipped by a migration, shared by every tenant and read-only to them"})
	_ = postgres.RegisterGlobal(postgres.GlobalTable{Name: "flow_global_tags", App: []string{"SELECT"},
		Why: "tags shipped by a migration, shared by every tenant and read-only to them"})
)

// Bounds of the catalogue's fields (the schema's checks).
const (
	maxCategoryName = 100
	maxTagName      = 50
	maxSort         = 100000
)

// catalogueName trims a category or tag name and checks its length.
func catalogueName(name string, maxLen int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxLen {
		return "", errs.Invalidf("body.name", "must be 1 to %d characters", maxLen)
	}
	return name, nil
}

// adminOf returns the caller when they are an admin or owner, and Forbidden otherwise.
func adminOf(ctx context.Context) (caller, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return caller{}, err
	}
	if !c.role.AtLeast(tenancy.RoleAdmin) {
		return caller{}, errRole
	}
	return c, nil
}

// ownRow decides who may change a catalogue row: lock locks the tenant's row; when there is none,
// isGlobal says whether the id is a global row (readOnly) or nothing the caller may know (NotFound).
func ownRow(lock func() error, isGlobal func() (bool, error), readOnly error) error {
	err := lock()
	if !postgres.IsNoRows(err) {
		return err
	}
	global, err := isGlobal()
	switch {
	case err != nil:
		return err
	case global:
		return readOnly
	}
	return errs.ErrNotFound
}

// uniqueName names the only unique rule of a catalogue row, without echoing any value.
func uniqueName(err error, msg string) error {
	if postgres.IsCode(err, "23505") {
		return errs.Wrap(errs.Conflict, msg, err)
	}
	return err
}
