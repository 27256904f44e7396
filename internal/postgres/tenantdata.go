package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// TenantTable is a tenant table as the system catalog describes it: every table of the schema
// with a tenant_id column (the isolation contract makes each of them a tenant table with forced
// row-level security). It is what the tenant export and the purge of a deleted tenant walk
// (package tenantdata): the list is read from the database, never kept by hand.
type TenantTable struct {
	Name     string
	Columns  []string // every column, in table order
	Readable []bool   // per column: whether the current role may select it
	Key      []string // the primary key's columns, in key order; empty without one
	KeyTypes []string // their types (format_type), to cast a keyset position back
	Parents  []string // the tenant tables this one references (foreign keys), itself excluded
	// Blocking are the Parents whose foreign key stops a deletion (NO ACTION, RESTRICT) rather than
	// following it (CASCADE, SET NULL, SET DEFAULT).
	Blocking []string
	// Cascading are the Parents whose deletion deletes this table's referencing rows (CASCADE).
	Cascading []string
}

// tenantTablesSQL reads the tenant tables of the current schema, partitions left out (their parent
// stands for them), with their columns, primary key and the tenant tables they reference.
const tenantTablesSQL = `SELECT c.relname::text,
  array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
  array(SELECT has_column_privilege(c.oid, a.attnum, 'SELECT') FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
  coalesce((SELECT array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord)
      FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), '{}'),
  coalesce((SELECT array(SELECT format_type(a.atttypid, a.atttypmod) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord)
      FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), '{}'),
  array(SELECT DISTINCT p.relname::text FROM pg_constraint f JOIN pg_class p ON p.oid = f.confrelid
        WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid
          AND EXISTS (SELECT 1 FROM pg_attribute pa WHERE pa.attrelid = p.oid AND pa.attname = 'tenant_id' AND NOT pa.attisdropped)
        ORDER BY 1),
  array(SELECT DISTINCT p.relname::text FROM pg_constraint f JOIN pg_class p ON p.oid = f.confrelid
        WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid AND f.confdeltype IN ('a', 'r')
          AND EXISTS (SELECT 1 FROM pg_attribute pa WHERE pa.attrelid = p.oid AND pa.attname = 'tenant_id' AND NOT pa.attisdropped)
        ORDER BY 1),
  array(SELECT DISTINCT p.relname::text FROM pg_constraint f JOIN pg_class p ON p.oid = f.confrelid
        WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid AND f.confdeltype = 'c'
          AND EXISTS (SELECT 1 FROM pg_attribute pa WHERE pa.attrelid = p.oid AND pa.attname = 'tenant_id' AND NOT pa.attisdropped)
        ORDER BY 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
ORDER BY c.relname`

// TenantTables reads every tenant table from the system catalog, sorted by name.
func TenantTables(ctx context.Context, q Querier) ([]TenantTable, error) {
	rows, err := q.Query(ctx, tenantTablesSQL)
	if err != nil {
		return nil, fmt.Errorf("postgres: tenant tables: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TenantTable, error) {
		var t TenantTable
		err := r.Scan(&t.Name, &t.Columns, &t.Readable, &t.Key, &t.KeyTypes, &t.Parents, &t.Blocking, &t.Cascading)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: tenant tables: %w", err)
	}
	return out, nil
}

// DeletionOrder returns the tables in an order in which each table's rows are deleted before the
// rows of every table they reference, so no foreign key of a tenant table stops a deletion and
// none cascades into a table not yet purged. Tables that reference each other (a cycle) are
// ordered by the references that stop a deletion only (a cascade or SET NULL then follows the
// deletion of the referenced rows); a cycle of those is an error.
func DeletionOrder(tables []TenantTable) ([]TenantTable, error) {
	out, err := topoOrder(tables, func(t TenantTable) []string { return t.Parents })
	if err != nil {
		out, err = cascadeOrder(tables)
	}
	return out, err
}

// cascadeOrder orders tables that reference each other: a table is deleted once no table left
// holds a blocking reference to it or to any table its deletion cascades into (flows cascade into
// flow_versions, which batches reference: the batches go first).
func cascadeOrder(tables []TenantTable) ([]TenantTable, error) {
	cascades := map[string][]string{} // per table: the tables whose rows follow its deletion
	blockers := map[string][]string{} // per table: the tables holding a blocking reference to it
	for _, t := range tables {
		for _, p := range t.Cascading {
			cascades[p] = append(cascades[p], t.Name)
		}
		for _, p := range t.Blocking {
			blockers[p] = append(blockers[p], t.Name)
		}
	}
	closure := func(name string) map[string]bool {
		seen, todo := map[string]bool{name: true}, []string{name}
		for len(todo) > 0 {
			n := todo[0]
			todo = todo[1:]
			for _, c := range cascades[n] {
				if !seen[c] {
					seen[c] = true
					todo = append(todo, c)
				}
			}
		}
		return seen
	}
	emptied := map[string]bool{} // tables deleted, or cascaded into by a deleted one
	placed := map[string]bool{}
	out := make([]TenantTable, 0, len(tables))
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if placed[t.Name] {
				continue
			}
			cl, free := closure(t.Name), true
			for c := range cl {
				for _, b := range blockers[c] {
					if !emptied[b] && !cl[b] {
						free = false
					}
				}
			}
			if !free {
				continue
			}
			placed[t.Name], progress = true, true
			out = append(out, t)
			for c := range cl {
				emptied[c] = true
			}
		}
		if !progress {
			var left []string
			for _, t := range tables {
				if !placed[t.Name] {
					left = append(left, t.Name)
				}
			}
			return nil, fmt.Errorf("postgres: deletion order: tables reference each other: %s", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// topoOrder places every table after all the tables that reference it (by refs), stable by name.
func topoOrder(tables []TenantTable, refs func(TenantTable) []string) ([]TenantTable, error) {
	known := make(map[string]bool, len(tables))
	for _, t := range tables {
		known[t.Name] = true
	}
	children := map[string]int{} // per table: how many tables referencing it are not yet placed
	for _, t := range tables {
		for _, p := range refs(t) {
			if known[p] {
				children[p]++
			}
		}
	}
	out := make([]TenantTable, 0, len(tables))
	placed := map[string]bool{}
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if placed[t.Name] || children[t.Name] > 0 {
				continue
			}
			placed[t.Name], progress = true, true
			out = append(out, t)
			for _, p := range refs(t) {
				children[p]--
			}
		}
		if !progress {
			var left []string
			for _, t := range tables {
				if !placed[t.Name] {
					left = append(left, t.Name)
				}
			}
			return nil, fmt.Errorf("postgres: deletion order: tables reference each other: %s", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// TenantRows reads up to limit rows of table t of tenant, ordered by the primary key, after the key
// position after (nil: from the start), each as one JSON object of the given columns; fn gets the
// object and the row's key position (the key columns as text), to pass as after for the next batch.
// A table without a primary key is read whole, ordered by all its given columns, in one call. It
// reads under the caller's transaction, so row-level security applies as to any query.
func TenantRows(ctx context.Context, q Querier, t TenantTable, columns []string, tenant uuid.UUID, after []string, limit int,
	fn func(object []byte, key []string) error) (int, error) {
	sel := make([]string, len(columns))
	for i, c := range columns {
		sel[i] = "x." + ident(c)
	}
	object := "(SELECT row_to_json(e) FROM (SELECT " + strings.Join(sel, ", ") + ") e)::text"
	if len(columns) == 0 {
		object = "'{}'::text"
	}
	args := []any{tenant}
	where := "x.tenant_id = $1"
	order := sel
	keys := ""
	if len(t.Key) > 0 {
		order = make([]string, len(t.Key))
		casts := make([]string, len(t.Key))
		for i, k := range t.Key {
			order[i] = "x." + ident(k)
			keys += ", " + order[i] + "::text"
			casts[i] = "$" + strconv.Itoa(i+2) + "::" + t.KeyTypes[i]
		}
		if after != nil {
			where += " AND (" + strings.Join(order, ", ") + ") > (" + strings.Join(casts, ", ") + ")"
			for _, a := range after {
				args = append(args, a)
			}
		}
	}
	sql := "SELECT " + object + keys + " FROM " + ident(t.Name) + " x WHERE " + where
	if len(order) > 0 {
		sql += " ORDER BY " + strings.Join(order, ", ")
	}
	if len(t.Key) > 0 {
		sql += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("postgres: rows of %s: %w", t.Name, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var obj string
		key := make([]string, len(t.Key))
		dest := []any{&obj}
		for i := range key {
			dest = append(dest, &key[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return n, fmt.Errorf("postgres: rows of %s: %w", t.Name, err)
		}
		n++
		if err := fn([]byte(obj), key); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("postgres: rows of %s: %w", t.Name, err)
	}
	return n, nil
}

// DeleteTenantRows deletes every row of tenant in table and returns how many it deleted.
func DeleteTenantRows(ctx context.Context, q Querier, table string, tenant uuid.UUID) (int64, error) {
	tag, err := q.Exec(ctx, "DELETE FROM "+ident(table)+" x WHERE x.tenant_id = $1", tenant)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete from %s: %w", table, err)
	}
	return tag.RowsAffected(), nil
}

// CountTenantRows counts the rows of tenant in table.
func CountTenantRows(ctx context.Context, q Querier, table string, tenant uuid.UUID) (int64, error) {
	var n int64
	if err := q.QueryRow(ctx, "SELECT count(*) FROM "+ident(table)+" x WHERE x.tenant_id = $1", tenant).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", table, err)
	}
	return n, nil
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// Maintenance is a connection as the owner role, for the platform's tenant-data lifecycle work that
// the application role may not do: purging a deleted tenant's rows and proving none are left
// (package tenantdata). Staff tools open it with DATABASE_OWNER_URL, like migrations; the server
// never does. The owner is not exempt from row-level security (every tenant table forces it), so
// Tenant binds the tenant for the transaction, and the owner sees and deletes that tenant's rows
// only.
type Maintenance struct{ conn *pgx.Conn }

// OpenMaintenance connects with the owner role's url.
func OpenMaintenance(ctx context.Context, url string) (*Maintenance, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: maintenance: %w", err)
	}
	return &Maintenance{conn: conn}, nil
}

// Close closes the connection.
func (m *Maintenance) Close(ctx context.Context) { _ = m.conn.Close(context.WithoutCancel(ctx)) }

// Global runs fn in one transaction with no tenant bound: it reaches the catalog and global tables
// (tenants, security_events), no tenant row.
func (m *Maintenance) Global(ctx context.Context, fn func(Querier) error) error {
	return pgx.BeginFunc(ctx, m.conn, func(tx pgx.Tx) error { return fn(tx) })
}

// Tenant runs fn in one transaction bound to tenant (app.tenant_id set transaction-locally).
func (m *Maintenance) Tenant(ctx context.Context, tenant uuid.UUID, fn func(Querier) error) error {
	return pgx.BeginFunc(ctx, m.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", tenant.String()); err != nil {
			return fmt.Errorf("postgres: maintenance: bind tenant: %w", err)
		}
		return fn(tx)
	})
}
