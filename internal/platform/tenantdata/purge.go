package tenantdata

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// ErrNotDeleted refuses to purge a tenant whose status is not deleted.
var ErrNotDeleted = errs.E(errs.Conflict, "the tenant is not deleted: delete it first (DELETE /api/v1/tenant)")

// Purger purges deleted tenants and proves it: it deletes every row of the tenant in every tenant
// table and every file under the tenant's prefix of the store, then counts what is left. It runs as
// the owner role (postgres.Maintenance, from the staff tools): the application role may not delete
// from most tenant tables, and the system role only reads the columns of registered lookups. Each
// table is purged in a transaction of its own bound to the tenant, so row-level security confines
// every DELETE to that tenant, and a purge that stops midway (a crash, a lost connection) is
// completed by running it again.
type Purger struct {
	m     *postgres.Maintenance
	files blob.Store
	// AfterTable, when set, is called after each table's deletion has committed (a test stops the
	// process there to show that a rerun completes the purge).
	AfterTable func(table string)
}

// NewPurger returns a purger over an owner-role connection and the file store.
func NewPurger(m *postgres.Maintenance, files blob.Store) *Purger { return &Purger{m: m, files: files} }

// TableRows is a number of rows of one tenant table.
type TableRows struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// Check is what is left of a tenant: its rows in every tenant table and its files.
type Check struct {
	Tables []TableRows `json:"tables"`
	Files  int         `json:"files"`
}

// Rows is the number of rows left in all tables.
func (c Check) Rows() int64 {
	var n int64
	for _, t := range c.Tables {
		n += t.Rows
	}
	return n
}

// Clean reports whether nothing is left.
func (c Check) Clean() bool { return c.Rows() == 0 && c.Files == 0 }

// Report is the result of a purge: the rows deleted per table (in the order deleted; rows removed
// by a cascade count for the table deleted from), the files deleted, and the check that followed.
type Report struct {
	Tenant       uuid.UUID   `json:"tenant_id"`
	Deleted      []TableRows `json:"deleted"`
	FilesDeleted int         `json:"files_deleted"`
	Check        Check       `json:"check"`
}

// Status returns a tenant's status (active, suspended, deleted), read with the tenant bound (the
// tenants table has row-level security too); a tenant that does not exist is NotFound.
func (p *Purger) Status(ctx context.Context, tenant uuid.UUID) (string, error) {
	var status string
	err := p.m.Tenant(ctx, tenant, func(q postgres.Querier) error {
		return q.QueryRow(ctx, `SELECT t.status FROM tenants t WHERE t.id = $1`, tenant).Scan(&status)
	})
	if postgres.IsNoRows(err) {
		return "", errs.E(errs.NotFound, "no tenant "+tenant.String())
	} else if err != nil {
		return "", fmt.Errorf("tenantdata: tenant status: %w", err)
	}
	return status, nil
}

// Purge purges a deleted tenant (ErrNotDeleted for any other), checks that nothing is left, and
// records the result as the security event tenant.purged (outside the tenant, whose audit log is
// purged too): the rows and files deleted and the rows and files left. A check that finds anything
// left is recorded as a failure and returned as an error.
func (p *Purger) Purge(ctx context.Context, tenant uuid.UUID) (Report, error) {
	r := Report{Tenant: tenant, Deleted: []TableRows{}}
	status, err := p.Status(ctx, tenant)
	if err != nil {
		return r, err
	}
	if status != "deleted" {
		return r, ErrNotDeleted
	}
	tables, err := p.tables(ctx)
	if err != nil {
		return r, err
	}
	ordered, err := postgres.DeletionOrder(tables)
	if err != nil {
		return r, fmt.Errorf("tenantdata: purge: %w", err)
	}
	for _, t := range ordered {
		var n int64
		err := p.m.Tenant(ctx, tenant, func(q postgres.Querier) (err error) {
			n, err = postgres.DeleteTenantRows(ctx, q, t.Name, tenant)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("tenantdata: purge: %w", err)
		}
		r.Deleted = append(r.Deleted, TableRows{Table: t.Name, Rows: n})
		if p.AfterTable != nil {
			p.AfterTable(t.Name)
		}
	}
	if r.FilesDeleted, err = p.deleteFiles(ctx, tenant); err != nil {
		return r, err
	}
	if r.Check, err = p.check(ctx, tenant, tables); err != nil {
		return r, err
	}
	if err := p.record(ctx, r); err != nil {
		return r, err
	}
	if !r.Check.Clean() {
		return r, fmt.Errorf("tenantdata: purge: %d rows and %d files of tenant %s are left", r.Check.Rows(), r.Check.Files, tenant)
	}
	return r, nil
}

// Verify counts what is left of a tenant, whatever its status: its rows in every tenant table (as
// the catalog lists them now) and its files.
func (p *Purger) Verify(ctx context.Context, tenant uuid.UUID) (Check, error) {
	tables, err := p.tables(ctx)
	if err != nil {
		return Check{}, err
	}
	return p.check(ctx, tenant, tables)
}

func (p *Purger) tables(ctx context.Context) ([]postgres.TenantTable, error) {
	var tables []postgres.TenantTable
	err := p.m.Global(ctx, func(q postgres.Querier) (err error) {
		tables, err = postgres.TenantTables(ctx, q)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tenantdata: %w", err)
	}
	if len(tables) == 0 {
		return nil, errors.New("tenantdata: the catalog lists no tenant table: wrong database or schema?")
	}
	return tables, nil
}

// check counts the tenant's rows per table in one transaction bound to the tenant, and its files.
func (p *Purger) check(ctx context.Context, tenant uuid.UUID, tables []postgres.TenantTable) (Check, error) {
	c := Check{Tables: make([]TableRows, 0, len(tables))}
	err := p.m.Tenant(ctx, tenant, func(q postgres.Querier) error {
		for _, t := range tables {
			n, err := postgres.CountTenantRows(ctx, q, t.Name, tenant)
			if err != nil {
				return err
			}
			c.Tables = append(c.Tables, TableRows{Table: t.Name, Rows: n})
		}
		return nil
	})
	if err != nil {
		return Check{}, fmt.Errorf("tenantdata: check: %w", err)
	}
	if p.files != nil {
		err = p.files.Walk(ctx, blob.TenantPrefix(tenant), func(string, int64) error { c.Files++; return nil })
		if err != nil {
			return Check{}, fmt.Errorf("tenantdata: check: %w", err)
		}
	}
	return c, nil
}

// deleteFiles deletes the tenant's prefix of the store and returns how many files it held.
func (p *Purger) deleteFiles(ctx context.Context, tenant uuid.UUID) (int, error) {
	if p.files == nil {
		return 0, nil
	}
	n := 0
	prefix := blob.TenantPrefix(tenant)
	if err := p.files.Walk(ctx, prefix, func(string, int64) error { n++; return nil }); err != nil {
		return 0, fmt.Errorf("tenantdata: purge files: %w", err)
	}
	if err := p.files.DeletePrefix(ctx, prefix); err != nil {
		return 0, fmt.Errorf("tenantdata: purge files: %w", err)
	}
	return n, nil
}

// record writes the security event tenant.purged.
func (p *Purger) record(ctx context.Context, r Report) error {
	deleted, left := map[string]int64{}, map[string]int64{}
	var total int64
	for _, t := range r.Deleted {
		if t.Rows > 0 {
			deleted[t.Table] = t.Rows
		}
		total += t.Rows
	}
	for _, t := range r.Check.Tables {
		if t.Rows > 0 {
			left[t.Table] = t.Rows
		}
	}
	e := audit.Event{Action: "tenant.purged", TargetType: "tenant", TargetID: r.Tenant.String(), Details: map[string]any{
		"tenant_id": r.Tenant.String(), "tables": len(r.Check.Tables), "rows_deleted": total, "rows_deleted_by_table": deleted,
		"files_deleted": r.FilesDeleted, "rows_left": r.Check.Rows(), "rows_left_by_table": left, "files_left": r.Check.Files}}
	if !r.Check.Clean() {
		e.Outcome = audit.Failure
	}
	err := p.m.Global(ctx, func(q postgres.Querier) error { return audit.RecordSecurityTx(ctx, q, tenancy.UserID{}, e) })
	if err != nil {
		return fmt.Errorf("tenantdata: record purge: %w", err)
	}
	return nil
}
