package tenantlint

import (
	"fmt"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// CheckSQL parses sql with the PostgreSQL parser and returns one problem per
// tenant-table reference that is not bound to a tenant by the rules of the
// tenantsql analyzer (see the package documentation). tables is the set of
// tenant tables. The error is non-nil when sql does not parse.
func CheckSQL(sql string, tables map[string]bool) ([]string, error) {
	return CheckOwnedSQL(sql, tables, nil)
}

// parseCache keeps parse results per SQL text: sqlc packages pass the same
// constant to several calls, and a run checks many packages.
var parseCache sync.Map // string -> parseEntry

// parseEntry is one cached parse result.
type parseEntry struct {
	tree *pg_query.ParseResult
	err  error
}

// parseCached is parseSQL with a process-wide cache.
func parseCached(sql string) (*pg_query.ParseResult, error) {
	if v, ok := parseCache.Load(sql); ok {
		e := v.(parseEntry)
		return e.tree, e.err
	}
	tree, err := parseSQL(sql)
	parseCache.Store(sql, parseEntry{tree, err})
	return tree, err
}

// sqlChecker walks parsed statements and collects problems.
type sqlChecker struct {
	tables   map[string]bool
	owners   map[string][]string // owner-only tables -> owner columns (CheckOwnedSQL)
	problems []string
}

// sqlScope is what a statement sees of the statements around it.
type sqlScope struct {
	ctes  map[string]bool // CTE names in scope; they shadow tables of that name
	outer map[string]bool // aliases of enclosing queries -> bound to the tenant
}

// rel is one item of a FROM list (or the target of UPDATE/DELETE).
type rel struct {
	ref    string // the name columns are qualified with: alias, or table name
	table  string // the table name, "" for subqueries and functions
	tenant bool   // a tenant table
}

// qualGroup is a list of conjuncts and the relations they filter.
type qualGroup struct {
	conjuncts []*pg_query.Node
	applies   map[string]bool // nil: every relation of the statement
}

// fromResult is what walking a FROM list yields.
type fromResult struct {
	rels   []rel
	groups []qualGroup
	links  [][2]string // tenant_id equalities implied by JOIN ... USING (tenant_id), with the relation they filter
	linkOn []map[string]bool
}

// stmt checks one statement of any kind.
func (c *sqlChecker) stmt(n *pg_query.Node, sc sqlScope) {
	switch {
	case n.GetSelectStmt() != nil:
		c.selectStmt(n.GetSelectStmt(), sc)
	case n.GetInsertStmt() != nil:
		c.insertStmt(n.GetInsertStmt(), sc)
	case n.GetUpdateStmt() != nil:
		u := n.GetUpdateStmt()
		sc = c.withClause(u.GetWithClause(), sc)
		target := []*pg_query.Node{{Node: &pg_query.Node_RangeVar{RangeVar: u.GetRelation()}}}
		c.query(append(target, u.GetFromClause()...), u.GetWhereClause(), sc, u, "with_clause")
	case n.GetDeleteStmt() != nil:
		d := n.GetDeleteStmt()
		sc = c.withClause(d.GetWithClause(), sc)
		target := []*pg_query.Node{{Node: &pg_query.Node_RangeVar{RangeVar: d.GetRelation()}}}
		c.query(append(target, d.GetUsingClause()...), d.GetWhereClause(), sc, d, "with_clause")
	case n.GetMergeStmt() != nil:
		if m := n.GetMergeStmt(); c.isTenant(m.GetRelation(), sc) {
			c.problems = append(c.problems, fmt.Sprintf(
				"MERGE into tenant table %q is not checked: use INSERT ... ON CONFLICT or UPDATE with a tenant_id = $n predicate",
				m.GetRelation().GetRelname()))
		}
		// The source is checked like a FROM item, with the ON condition as
		// its WHERE.
		m := n.GetMergeStmt()
		sc = c.withClause(m.GetWithClause(), sc)
		c.query([]*pg_query.Node{m.GetSourceRelation()}, m.GetJoinCondition(), sc, m, "with_clause")
	default:
		// EXPLAIN, CREATE TABLE AS, DECLARE ...: check the statements inside.
		c.nested(n.ProtoReflect(), sc)
	}
}

// selectStmt checks a SELECT (or VALUES, or a set operation).
func (c *sqlChecker) selectStmt(s *pg_query.SelectStmt, sc sqlScope) {
	sc = c.withClause(s.GetWithClause(), sc)
	if s.GetOp() != pg_query.SetOperation_SETOP_NONE {
		c.selectStmt(s.GetLarg(), sc)
		c.selectStmt(s.GetRarg(), sc)
		c.nested(s.ProtoReflect(), sc, "with_clause", "larg", "rarg")
		return
	}
	c.query(s.GetFromClause(), s.GetWhereClause(), sc, s, "with_clause")
}

// insertStmt checks an INSERT: a tenant table must get tenant_id, and an
// INSERT ... SELECT is checked as a SELECT.
func (c *sqlChecker) insertStmt(ins *pg_query.InsertStmt, sc sqlScope) {
	sc = c.withClause(ins.GetWithClause(), sc)
	if c.isTenant(ins.GetRelation(), sc) {
		listed := false
		for _, col := range ins.GetCols() {
			if col.GetResTarget().GetName() == tenantColumn {
				listed = true
			}
		}
		if !listed {
			c.problems = append(c.problems, fmt.Sprintf(
				"INSERT into tenant table %q does not list tenant_id in its columns", ins.GetRelation().GetRelname()))
		}
	}
	c.checkOwnedInsert(ins, sc)
	if sel := ins.GetSelectStmt(); sel != nil {
		c.stmt(sel, sc)
	}
	c.nested(ins.ProtoReflect(), sc, "with_clause", "select_stmt")
}

// withClause checks each CTE as its own statement and returns the scope in
// which the CTE names shadow tables.
func (c *sqlChecker) withClause(w *pg_query.WithClause, sc sqlScope) sqlScope {
	if w == nil {
		return sc
	}
	ctes := make(map[string]bool, len(sc.ctes)+len(w.GetCtes()))
	for k := range sc.ctes {
		ctes[k] = true
	}
	for _, n := range w.GetCtes() {
		ctes[n.GetCommonTableExpr().GetCtename()] = true
	}
	inner := sqlScope{ctes: ctes, outer: sc.outer}
	for _, n := range w.GetCtes() {
		c.stmt(n.GetCommonTableExpr().GetCtequery(), inner)
	}
	return inner
}

// query checks the relations of one query level: from is its FROM list (for
// UPDATE and DELETE with the target first), where its WHERE clause. Then it
// checks every nested statement of msg (subqueries in any clause, FROM
// subqueries) with this level's relations as outer aliases; the fields named
// in skip are left out.
func (c *sqlChecker) query(from []*pg_query.Node, where *pg_query.Node, sc sqlScope, msg protoMessage, skip ...string) {
	var fr fromResult
	for _, item := range from {
		c.fromItem(item, sc, &fr)
	}
	fr.groups = append(fr.groups, qualGroup{conjuncts: conjuncts(where)})
	bound := c.solve(&fr, sc)
	for _, r := range fr.rels {
		if r.tenant && !bound[r.ref] {
			c.problems = append(c.problems, c.missing(r, &fr))
		}
	}
	c.checkOwners(&fr)
	// Nested statements see this level's aliases.
	outer := make(map[string]bool, len(sc.outer)+len(fr.rels))
	for k, v := range sc.outer {
		outer[k] = v
	}
	for _, r := range fr.rels {
		outer[r.ref] = bound[r.ref]
	}
	c.nested(msg.ProtoReflect(), sqlScope{ctes: sc.ctes, outer: outer}, skip...)
}

// protoMessage is any parse-tree message.
type protoMessage interface {
	ProtoReflect() protoreflect.Message
}

// missing words the problem for an unbound tenant relation.
func (c *sqlChecker) missing(r rel, fr *fromResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %q", r.table)
	if r.ref != r.table {
		fmt.Fprintf(&b, " (alias %s)", r.ref)
	}
	b.WriteString(" has no tenant_id = $n predicate")
	if len(fr.rels) > 1 && hasUnqualifiedTenantID(fr) {
		b.WriteString(" (qualify tenant_id with the alias when the query has more than one table)")
	}
	return b.String()
}

// hasUnqualifiedTenantID reports whether any conjunct compares a bare tenant_id.
func hasUnqualifiedTenantID(fr *fromResult) bool {
	for _, g := range fr.groups {
		for _, cj := range g.conjuncts {
			l, r := equality(cj)
			if q, ok := tenantColumnRef(l); ok && q == "" {
				return true
			}
			if q, ok := tenantColumnRef(r); ok && q == "" {
				return true
			}
		}
	}
	return false
}

// fromItem adds one FROM item (a table, a join tree, a subquery, a function)
// to fr and returns the names of the relations it contributes.
func (c *sqlChecker) fromItem(n *pg_query.Node, sc sqlScope, fr *fromResult) []string {
	switch {
	case n.GetRangeVar() != nil:
		rv := n.GetRangeVar()
		r := rel{ref: rv.GetRelname(), table: rv.GetRelname(), tenant: c.isTenant(rv, sc)}
		if a := rv.GetAlias().GetAliasname(); a != "" {
			r.ref = a
		}
		fr.rels = append(fr.rels, r)
		return []string{r.ref}
	case n.GetJoinExpr() != nil:
		j := n.GetJoinExpr()
		left := c.fromItem(j.GetLarg(), sc, fr)
		right := c.fromItem(j.GetRarg(), sc, fr)
		// The ON clause filters the relations whose rows it can remove: both
		// sides of an inner join, only the nullable side of an outer join.
		applies := make(map[string]bool)
		switch j.GetJointype() {
		case pg_query.JoinType_JOIN_LEFT:
			addAll(applies, right)
		case pg_query.JoinType_JOIN_RIGHT:
			addAll(applies, left)
		case pg_query.JoinType_JOIN_FULL:
		default:
			addAll(applies, left)
			addAll(applies, right)
		}
		fr.groups = append(fr.groups, qualGroup{conjuncts: conjuncts(j.GetQuals()), applies: applies})
		for _, u := range j.GetUsingClause() {
			if u.GetString_().GetSval() != tenantColumn {
				continue
			}
			for _, l := range left {
				for _, r := range right {
					fr.links = append(fr.links, [2]string{l, r})
					fr.linkOn = append(fr.linkOn, applies)
				}
			}
		}
		return append(left, right...)
	case n.GetRangeSubselect() != nil:
		ref := n.GetRangeSubselect().GetAlias().GetAliasname()
		fr.rels = append(fr.rels, rel{ref: ref})
		return []string{ref}
	case n.GetRangeFunction() != nil:
		ref := n.GetRangeFunction().GetAlias().GetAliasname()
		fr.rels = append(fr.rels, rel{ref: ref})
		return []string{ref}
	}
	return nil
}

// addAll adds names to set.
func addAll(set map[string]bool, names []string) {
	for _, n := range names {
		set[n] = true
	}
}

// isTenant reports whether rv names a tenant table (and not a CTE).
func (c *sqlChecker) isTenant(rv *pg_query.RangeVar, sc sqlScope) bool {
	if rv == nil {
		return false
	}
	switch rv.GetSchemaname() {
	case "pg_catalog", "information_schema":
		return false
	case "":
		if sc.ctes[rv.GetRelname()] {
			return false
		}
	}
	return c.tables[rv.GetRelname()]
}

// solve computes which relations of one query level are bound to a tenant.
// A relation is bound by a conjunct "ref.tenant_id = $n" in a group that
// filters it, or by "ref.tenant_id = other.tenant_id" with other bound (or
// an outer alias that is bound). A bare tenant_id refers to the only relation
// of a one-relation query.
func (c *sqlChecker) solve(fr *fromResult, sc sqlScope) map[string]bool {
	facts := bindingFacts(fr, sc)
	for i, l := range fr.links {
		facts = append(facts, bindFact{a: l[0], b: l[1], applies: fr.linkOn[i]})
	}
	return propagate(facts)
}

// bindFact is one tenant_id equality: a is bound by a parameter (b == ""),
// or a and b are linked. It counts only for the relations in applies (nil:
// all).
type bindFact struct {
	a, b    string
	applies map[string]bool
}

// bindingFacts turns the conjuncts of fr into facts.
func bindingFacts(fr *fromResult, sc sqlScope) []bindFact {
	local := make(map[string]bool, len(fr.rels))
	for _, r := range fr.rels {
		local[r.ref] = true
	}
	sole := ""
	if len(fr.rels) == 1 {
		sole = fr.rels[0].ref
	}
	// operand classifies one side of an equality: a local relation's
	// tenant_id, or a bound value (a parameter or a bound outer alias's).
	operand := func(n *pg_query.Node) (ref string, bound, ok bool) {
		if isParam(n) {
			return "", true, true
		}
		q, ok := tenantColumnRef(n)
		if !ok {
			return "", false, false
		}
		if q == "" {
			q = sole
		}
		switch {
		case q == "":
			return "", false, false
		case local[q]:
			return q, false, true
		case sc.outer[q]:
			return "", true, true
		}
		return "", false, false
	}
	var facts []bindFact
	for _, g := range fr.groups {
		for _, cj := range g.conjuncts {
			l, r := equality(cj)
			if l == nil {
				continue
			}
			lr, lb, lok := operand(l)
			rr, rb, rok := operand(r)
			switch {
			case !lok || !rok:
			case lr != "" && rb:
				facts = append(facts, bindFact{a: lr, applies: g.applies})
			case rr != "" && lb:
				facts = append(facts, bindFact{a: rr, applies: g.applies})
			case lr != "" && rr != "":
				facts = append(facts, bindFact{a: lr, b: rr, applies: g.applies})
			}
		}
	}
	return facts
}

// propagate applies facts until nothing changes and returns the bound
// relations.
func propagate(facts []bindFact) map[string]bool {
	in := func(applies map[string]bool, ref string) bool { return applies == nil || applies[ref] }
	bound := make(map[string]bool)
	for changed := true; changed; {
		changed = false
		set := func(ref string) {
			if !bound[ref] {
				bound[ref] = true
				changed = true
			}
		}
		for _, f := range facts {
			switch {
			case f.b == "":
				if in(f.applies, f.a) {
					set(f.a)
				}
			case bound[f.a] && in(f.applies, f.b):
				set(f.b)
			case bound[f.b] && in(f.applies, f.a):
				set(f.a)
			}
		}
	}
	return bound
}

// conjuncts splits an expression at its top-level ANDs. An OR, or anything
// else, is one conjunct that binds nothing unless it is an equality.
func conjuncts(n *pg_query.Node) []*pg_query.Node {
	if n == nil {
		return nil
	}
	if b := n.GetBoolExpr(); b != nil && b.GetBoolop() == pg_query.BoolExprType_AND_EXPR {
		var out []*pg_query.Node
		for _, a := range b.GetArgs() {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []*pg_query.Node{n}
}

// equality returns the two sides of "l = r", or nils.
func equality(n *pg_query.Node) (l, r *pg_query.Node) {
	e := n.GetAExpr()
	if e == nil || e.GetKind() != pg_query.A_Expr_Kind_AEXPR_OP || len(e.GetName()) != 1 ||
		e.GetName()[0].GetString_().GetSval() != "=" {
		return nil, nil
	}
	return e.GetLexpr(), e.GetRexpr()
}

// isParam reports whether n is a bind parameter $n, possibly cast.
func isParam(n *pg_query.Node) bool {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	return n.GetParamRef() != nil
}

// tenantColumnRef reports whether n is a tenant_id column reference, possibly
// cast, and returns its qualifier ("" when bare).
func tenantColumnRef(n *pg_query.Node) (qualifier string, ok bool) {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	fields := n.GetColumnRef().GetFields()
	if len(fields) == 0 || fields[len(fields)-1].GetString_().GetSval() != tenantColumn {
		return "", false
	}
	if len(fields) == 1 {
		return "", true
	}
	return fields[len(fields)-2].GetString_().GetSval(), true
}

// statementFields are the Node oneof fields that hold a statement checked on
// its own when found nested in another.
var statementFields = map[protoreflect.Name]bool{
	"select_stmt": true, "insert_stmt": true, "update_stmt": true, "delete_stmt": true, "merge_stmt": true,
}

// nested finds the statements nested anywhere in m (outside the fields named
// in skip) and checks each with scope sc. It does not descend into them: the
// check of a nested statement handles its own nesting.
func (c *sqlChecker) nested(m protoreflect.Message, sc sqlScope, skip ...string) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		for _, s := range skip {
			if string(fd.Name()) == s {
				return true
			}
		}
		switch {
		case fd.Kind() != protoreflect.MessageKind:
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				c.nestedValue(l.Get(i).Message(), sc)
			}
		case fd.IsMap():
		default:
			c.nestedValue(v.Message(), sc)
		}
		return true
	})
}

// nestedValue checks m if it is a statement node, or looks inside it.
func (c *sqlChecker) nestedValue(m protoreflect.Message, sc sqlScope) {
	if n, ok := m.Interface().(*pg_query.Node); ok {
		if which := m.WhichOneof(m.Descriptor().Oneofs().ByName("node")); which != nil && statementFields[which.Name()] {
			c.stmt(n, sc)
			return
		}
	}
	c.nested(m, sc)
}
