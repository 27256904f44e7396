package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tenantTablesCTE defines tt: every ordinary or partitioned table in the schemas $1 with a
// tenant_id column, with its qualified name and the column's number.
const tenantTablesCTE = `tt AS (
	SELECT c.oid, n.nspname || '.' || c.relname AS name, a.attnum AS tenant_att
	FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped
	WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[])
)`

// table is what the table invariants need to know about one tenant table.
type table struct {
	oid           uint32
	name          string // schema.table
	owner         string
	rls, forced   bool
	tenantAtt     int16
	tenantNotNull bool
	tenantType    string
	policies      []policy
	indexes       []index
	fks           []foreignKey
	sequenced     []string // columns drawn from a sequence, with how
}

type policy struct {
	name               string
	cmd                string // pg_policy.polcmd: '*' for ALL
	permissive         bool
	using, check       string
	hasUsing, hasCheck bool
}

type index struct {
	name       string
	primary    bool
	unique     bool // unique or exclusion
	keys       []int16
	keyColumns []string // key columns (or expressions) as pg_get_indexdef prints them
}

type foreignKey struct {
	name      string
	keys      []int16
	refKeys   []int16
	refTable  string
	refTenant int16 // the referenced table's tenant_id column, 0 if it has none
	def       string
}

// tableCheck is one invariant evaluated on each tenant table: problems is empty when it holds.
type tableCheck struct {
	id        string
	run       func(t *table, e Expect) (problems []string)
	needOwner bool // skipped when Expect.OwnerRole is ""
}

// tableChecks lists the per-table invariants in report order.
var tableChecks = []tableCheck{
	{"rls.enabled", checkRLSEnabled, false},
	{"rls.forced", checkRLSForced, false},
	{"rls.policy", checkPolicy, false},
	{"rls.fail_closed", checkFailClosed, false},
	{"rls.initplan", checkInitPlan, false},
	{"tenant_id.not_null", checkTenantNotNull, false},
	{"tenant_id.uuid", checkTenantUUID, false},
	{"pk.tenant_id", checkPrimaryKey, false},
	{"unique.tenant_id", checkUnique, false},
	{"fk.composite", checkForeignKeys, false},
	{"index.tenant_leading", checkLeadingIndex, false},
	{"id.no_sequence", checkNoSequence, false},
	{"table.owner", checkOwner, true},
}

// checkTables loads the tenant tables and evaluates every table invariant on each.
func checkTables(ctx context.Context, q Querier, e Expect) ([]Result, error) {
	tabs, err := loadTables(ctx, q, e.Schemas)
	if err != nil {
		return nil, err
	}
	var rs []Result
	if len(tabs) == 0 {
		rs = append(rs, fail("tables.found", strings.Join(e.Schemas, ","), "no table with a tenant_id column"))
	} else {
		rs = append(rs, pass("tables.found", strings.Join(e.Schemas, ","), fmt.Sprintf("%d tenant tables", len(tabs))))
	}
	for _, c := range tableChecks {
		if c.needOwner && e.OwnerRole == "" {
			continue
		}
		for _, t := range tabs {
			rs = append(rs, result(c.id, t.name, c.run(t, e)))
		}
	}
	return rs, nil
}

func checkRLSEnabled(t *table, _ Expect) []string {
	if !t.rls {
		return []string{"row-level security is disabled"}
	}
	return nil
}

func checkRLSForced(t *table, _ Expect) []string {
	if !t.forced {
		return []string{"row-level security is not forced: the owner bypasses it"}
	}
	return nil
}

func checkTenantNotNull(t *table, _ Expect) []string {
	if !t.tenantNotNull {
		return []string{"tenant_id is nullable"}
	}
	return nil
}

func checkTenantUUID(t *table, _ Expect) []string {
	if t.tenantType != "uuid" {
		return []string{"tenant_id is " + t.tenantType + ", want uuid"}
	}
	return nil
}

func checkOwner(t *table, e Expect) []string {
	if t.owner != e.OwnerRole {
		return []string{fmt.Sprintf("owned by %s, want %s", t.owner, e.OwnerRole)}
	}
	return nil
}

// checkPrimaryKey: the primary key exists and includes tenant_id.
func checkPrimaryKey(t *table, _ Expect) []string {
	for _, ix := range t.indexes {
		if ix.primary {
			if !slices.Contains(ix.keys, t.tenantAtt) {
				return []string{fmt.Sprintf("primary key %s %s lacks tenant_id", ix.name, ix.columns())}
			}
			return nil
		}
	}
	return []string{"no primary key"}
}

// checkUnique: every unique or exclusion index (constraints included) other than the primary key
// has tenant_id among its key columns, unless GlobalUnique lists it.
func checkUnique(t *table, e Expect) []string {
	allowed := e.qualifiedKeys(e.GlobalUnique)[t.name]
	var problems []string
	for _, ix := range t.indexes {
		if !ix.unique || ix.primary || slices.Contains(ix.keys, t.tenantAtt) || slices.Contains(allowed, ix.name) {
			continue
		}
		problems = append(problems, fmt.Sprintf("%s %s lacks tenant_id", ix.name, ix.columns()))
	}
	return problems
}

// checkForeignKeys: a foreign key to a table with tenant_id must map tenant_id to tenant_id.
func checkForeignKeys(t *table, _ Expect) []string {
	var problems []string
	for _, fk := range t.fks {
		if fk.refTenant == 0 {
			continue // a reference to a global table
		}
		i := slices.Index(fk.keys, t.tenantAtt)
		if i < 0 || i >= len(fk.refKeys) || fk.refKeys[i] != fk.refTenant {
			problems = append(problems, fmt.Sprintf("%s is not composite on tenant_id: %s", fk.name, fk.def))
		}
	}
	return problems
}

// checkLeadingIndex: some index has tenant_id as its first column.
func checkLeadingIndex(t *table, _ Expect) []string {
	for _, ix := range t.indexes {
		if len(ix.keys) > 0 && ix.keys[0] == t.tenantAtt {
			return nil
		}
	}
	return []string{"no index starts with tenant_id"}
}

// checkNoSequence: no identity column and no default that draws from a sequence.
func checkNoSequence(t *table, _ Expect) []string {
	if len(t.sequenced) > 0 {
		return []string{"sequence-backed columns leak volumes: " + list(t.sequenced)}
	}
	return nil
}

func (ix index) columns() string {
	return "(" + list(ix.keyColumns) + ")"
}

// loadTables reads the tenant tables with their policies, indexes, foreign keys and
// sequence-backed columns, sorted by name.
func loadTables(ctx context.Context, q Querier, schemas []string) ([]*table, error) {
	byOID := map[uint32]*table{}
	var tabs []*table
	err := collect(ctx, q, "tenant tables", `WITH `+tenantTablesCTE+`
		SELECT tt.oid, tt.name, pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity,
			tt.tenant_att, a.attnotnull, format_type(a.atttypid, a.atttypmod)
		FROM tt
		JOIN pg_class c ON c.oid = tt.oid
		JOIN pg_attribute a ON a.attrelid = tt.oid AND a.attnum = tt.tenant_att
		ORDER BY tt.name`, func(r pgx.Rows) error {
		t := &table{}
		if err := r.Scan(&t.oid, &t.name, &t.owner, &t.rls, &t.forced, &t.tenantAtt, &t.tenantNotNull, &t.tenantType); err != nil {
			return err
		}
		byOID[t.oid] = t
		tabs = append(tabs, t)
		return nil
	}, schemas)
	if err != nil {
		return nil, err
	}
	for _, load := range []func(context.Context, Querier, []string, map[uint32]*table) error{
		loadPolicies, loadIndexes, loadForeignKeys, loadSequenced,
	} {
		if err := load(ctx, q, schemas, byOID); err != nil {
			return nil, err
		}
	}
	return tabs, nil
}

func loadPolicies(ctx context.Context, q Querier, schemas []string, byOID map[uint32]*table) error {
	return collect(ctx, q, "policies", `WITH `+tenantTablesCTE+`
		SELECT p.polrelid, p.polname, p.polcmd::text, p.polpermissive,
			pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
		FROM pg_policy p JOIN tt ON tt.oid = p.polrelid
		ORDER BY p.polname`, func(r pgx.Rows) error {
		var oid uint32
		var p policy
		var using, check *string
		if err := r.Scan(&oid, &p.name, &p.cmd, &p.permissive, &using, &check); err != nil {
			return err
		}
		if using != nil {
			p.using, p.hasUsing = *using, true
		}
		if check != nil {
			p.check, p.hasCheck = *check, true
		}
		byOID[oid].policies = append(byOID[oid].policies, p)
		return nil
	}, schemas)
}

func loadIndexes(ctx context.Context, q Querier, schemas []string, byOID map[uint32]*table) error {
	return collect(ctx, q, "indexes", `WITH `+tenantTablesCTE+`
		SELECT i.indrelid, ic.relname, i.indisprimary, i.indisunique OR i.indisexclusion,
			ARRAY(SELECT i.indkey[k] FROM generate_series(0, i.indnkeyatts - 1) k ORDER BY k),
			ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k)
		FROM pg_index i
		JOIN tt ON tt.oid = i.indrelid
		JOIN pg_class ic ON ic.oid = i.indexrelid
		ORDER BY ic.relname`, func(r pgx.Rows) error {
		var oid uint32
		var ix index
		if err := r.Scan(&oid, &ix.name, &ix.primary, &ix.unique, &ix.keys, &ix.keyColumns); err != nil {
			return err
		}
		byOID[oid].indexes = append(byOID[oid].indexes, ix)
		return nil
	}, schemas)
}

func loadForeignKeys(ctx context.Context, q Querier, schemas []string, byOID map[uint32]*table) error {
	return collect(ctx, q, "foreign keys", `WITH `+tenantTablesCTE+`
		SELECT con.conrelid, con.conname, con.conkey, con.confkey, rn.nspname || '.' || r.relname,
			COALESCE((SELECT a.attnum FROM pg_attribute a
				WHERE a.attrelid = con.confrelid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped), 0),
			pg_get_constraintdef(con.oid)
		FROM pg_constraint con
		JOIN tt ON tt.oid = con.conrelid
		JOIN pg_class r ON r.oid = con.confrelid
		JOIN pg_namespace rn ON rn.oid = r.relnamespace
		WHERE con.contype = 'f'
		ORDER BY con.conname`, func(r pgx.Rows) error {
		var oid uint32
		var fk foreignKey
		if err := r.Scan(&oid, &fk.name, &fk.keys, &fk.refKeys, &fk.refTable, &fk.refTenant, &fk.def); err != nil {
			return err
		}
		byOID[oid].fks = append(byOID[oid].fks, fk)
		return nil
	}, schemas)
}

// loadSequenced finds identity columns and columns whose default calls nextval or depends on a
// sequence.
func loadSequenced(ctx context.Context, q Querier, schemas []string, byOID map[uint32]*table) error {
	return collect(ctx, q, "sequence-backed columns", `WITH `+tenantTablesCTE+`
		SELECT a.attrelid, a.attname,
			CASE a.attidentity WHEN 'a' THEN 'identity always' WHEN 'd' THEN 'identity by default'
				ELSE 'default ' || pg_get_expr(d.adbin, d.adrelid) END
		FROM tt
		JOIN pg_attribute a ON a.attrelid = tt.oid AND a.attnum > 0 AND NOT a.attisdropped
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attidentity <> ''
			OR pg_get_expr(d.adbin, d.adrelid) ~* 'nextval\('
			OR EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
				WHERE dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid)
		ORDER BY a.attnum`, func(r pgx.Rows) error {
		var oid uint32
		var col, how string
		if err := r.Scan(&oid, &col, &how); err != nil {
			return err
		}
		byOID[oid].sequenced = append(byOID[oid].sequenced, col+" ("+how+")")
		return nil
	}, schemas)
}
