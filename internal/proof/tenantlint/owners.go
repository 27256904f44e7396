package tenantlint

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// ownerComment marks an owner-only table in a migration:
//
//	COMMENT ON TABLE flow_sessions IS 'owner-only (user_id, assigned_to): ...';
//
// Rows of such a table belong to the users its owner columns name, and every query of it must say
// whose rows it wants (see CheckOwnedSQL).
var ownerComment = regexp.MustCompile(`^owner-only \(([a-z_][a-z0-9_]*(?:, *[a-z_][a-z0-9_]*)*)\)`)

// AllOwnersMark exempts one statement from the owner rule, followed by the reason, in a comment
// inside the statement (sqlc keeps those): "-- tenantlint:all-owners the tenant's analytics".
const AllOwnersMark = "tenantlint:all-owners"

var allOwnersReason = regexp.MustCompile(regexp.QuoteMeta(AllOwnersMark) + `[ \t]+\S`)

// OwnerTables reads goose migration files in file-name order and returns the owner-only tables
// with their owner columns, from their COMMENT ON TABLE ... IS 'owner-only (col, ...): ...'. A
// later comment replaces an earlier one; a comment that no longer starts so removes the mark.
func OwnerTables(files []string) (map[string][]string, error) {
	sorted := slices.Clone(files)
	sort.Slice(sorted, func(i, j int) bool { return baseName(sorted[i]) < baseName(sorted[j]) })
	owners := map[string][]string{}
	for _, name := range sorted {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("owner tables: %w", err)
		}
		tree, err := parseSQL(gooseUp(string(src)))
		if err != nil {
			return nil, fmt.Errorf("owner tables: %s: %w", name, err)
		}
		for _, raw := range tree.GetStmts() {
			c := raw.GetStmt().GetCommentStmt()
			if c == nil || c.GetObjtype() != pg_query.ObjectType_OBJECT_TABLE {
				continue
			}
			items := c.GetObject().GetList().GetItems()
			if len(items) == 0 {
				continue
			}
			table := items[len(items)-1].GetString_().GetSval()
			m := ownerComment.FindStringSubmatch(c.GetComment())
			if m == nil {
				delete(owners, table)
				continue
			}
			var cols []string
			for _, col := range strings.Split(m[1], ",") {
				cols = append(cols, strings.TrimSpace(col))
			}
			owners[table] = cols
		}
	}
	return owners, nil
}

// baseName is the last element of a slash or backslash separated path.
func baseName(p string) string {
	return p[strings.LastIndexAny(p, `/\`)+1:]
}

// CheckOwnedSQL is CheckSQL plus the owner rule: each reference to an owner-only table (owners:
// table -> owner columns) in SELECT, UPDATE or DELETE needs, at the top level of the WHERE or of
// its JOIN ... ON, a conjunct alias.col = $n with col an owner column, or an OR whose every arm
// holds such a conjunct (user_id = $1 OR assigned_to = $1). An INSERT into one must list an owner
// column. The predicate is in the query itself: a row is never fetched and then compared. A
// statement that reads every user's rows on purpose (a tenant's analytics) carries AllOwnersMark
// and its reason.
func CheckOwnedSQL(sql string, tables map[string]bool, owners map[string][]string) ([]string, error) {
	tree, err := parseCached(sql)
	if err != nil {
		return nil, err
	}
	c := &sqlChecker{tables: tables, owners: owners}
	if strings.Contains(sql, AllOwnersMark) {
		c.owners = nil
		if !allOwnersReason.MatchString(sql) {
			c.problems = append(c.problems, AllOwnersMark+" needs its reason on the same line")
		}
	}
	for _, raw := range tree.GetStmts() {
		c.stmt(raw.GetStmt(), sqlScope{})
	}
	return c.problems, nil
}

// checkOwners reports the owner-only relations of one query level that no owner predicate binds.
func (c *sqlChecker) checkOwners(fr *fromResult) {
	for _, r := range fr.rels {
		cols := c.owners[r.table]
		if !r.tenant || len(cols) == 0 || ownerBound(r, fr, cols) {
			continue
		}
		c.problems = append(c.problems, fmt.Sprintf(
			"table %q is owner-only: its query needs %s.%s = $n (or an OR of owner columns) in the query itself, "+
				"never fetched then compared; a statement over every user's rows says so with -- %s <reason>",
			r.table, r.ref, strings.Join(cols, " / "), AllOwnersMark))
	}
}

// checkOwnedInsert reports an INSERT into an owner-only table that lists no owner column.
func (c *sqlChecker) checkOwnedInsert(ins *pg_query.InsertStmt, sc sqlScope) {
	cols := c.owners[ins.GetRelation().GetRelname()]
	if len(cols) == 0 || !c.isTenant(ins.GetRelation(), sc) {
		return
	}
	for _, col := range ins.GetCols() {
		if slices.Contains(cols, col.GetResTarget().GetName()) {
			return
		}
	}
	c.problems = append(c.problems, fmt.Sprintf("INSERT into owner-only table %q lists none of its owner columns (%s)",
		ins.GetRelation().GetRelname(), strings.Join(cols, ", ")))
}

// ownerBound reports whether a conjunct of a group filtering r ties one of r's owner columns to a
// parameter, directly or in every arm of an OR.
func ownerBound(r rel, fr *fromResult, cols []string) bool {
	sole := len(fr.rels) == 1
	for _, g := range fr.groups {
		if g.applies != nil && !g.applies[r.ref] {
			continue
		}
		for _, cj := range g.conjuncts {
			if ownerEquality(cj, r.ref, sole, cols) || ownerOr(cj, r.ref, sole, cols) {
				return true
			}
		}
	}
	return false
}

// ownerOr reports whether n is an OR each of whose arms has an owner equality among its conjuncts.
func ownerOr(n *pg_query.Node, ref string, sole bool, cols []string) bool {
	b := n.GetBoolExpr()
	if b == nil || b.GetBoolop() != pg_query.BoolExprType_OR_EXPR {
		return false
	}
	for _, arm := range b.GetArgs() {
		if !slices.ContainsFunc(conjuncts(arm), func(cj *pg_query.Node) bool { return ownerEquality(cj, ref, sole, cols) }) {
			return false
		}
	}
	return true
}

// ownerEquality reports whether n is "ref.col = $n" (either way round, casts allowed) with col an
// owner column; a bare column counts in a one-relation query.
func ownerEquality(n *pg_query.Node, ref string, sole bool, cols []string) bool {
	l, r := equality(n)
	if l == nil {
		return false
	}
	if isParam(l) {
		l, r = r, l
	}
	if !isParam(r) {
		return false
	}
	for l.GetTypeCast() != nil {
		l = l.GetTypeCast().GetArg()
	}
	fields := l.GetColumnRef().GetFields()
	if len(fields) == 0 || !slices.Contains(cols, fields[len(fields)-1].GetString_().GetSval()) {
		return false
	}
	if len(fields) == 1 {
		return sole
	}
	return fields[len(fields)-2].GetString_().GetSval() == ref
}
