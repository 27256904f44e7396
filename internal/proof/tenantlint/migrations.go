package tenantlint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// DefaultMigrations is the glob, relative to the module root, of the goose
// migration files that define the tenant tables. "**" matches any number of
// directories; directories named testdata or vendor, and hidden ones, are
// never entered.
const DefaultMigrations = "internal/**/migrations/*.sql"

// tenantColumn is the column that makes a table a tenant table.
const tenantColumn = "tenant_id"

// TenantTables reads goose migration files, in file-name order, and returns
// the set of tables that have a tenant_id column after the Up sections have
// run: tables created with the column (directly, by PARTITION OF, INHERITS or
// LIKE a tenant table) or given it by ALTER TABLE ... ADD COLUMN, less those
// dropped or renamed later. Down sections are ignored. Names are unqualified:
// a schema prefix is dropped.
func TenantTables(files []string) (map[string]bool, error) {
	sorted := append([]string(nil), files...)
	sort.Slice(sorted, func(i, j int) bool {
		return filepath.Base(sorted[i]) < filepath.Base(sorted[j])
	})
	tables := make(map[string]bool)
	for _, name := range sorted {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("tenant tables: %w", err)
		}
		tree, err := parseSQL(gooseUp(string(src)))
		if err != nil {
			return nil, fmt.Errorf("tenant tables: %s: %w", name, err)
		}
		for _, raw := range tree.GetStmts() {
			applyDDL(tables, raw.GetStmt())
		}
	}
	return tables, nil
}

// gooseAnnotation matches goose's "-- +goose Up" and "-- +goose Down" lines.
var gooseAnnotation = regexp.MustCompile(`(?i)^\s*--\s*\+goose\s+(up|down)\b`)

// gooseUp returns the Up section of a goose migration: the lines after
// "-- +goose Up" and before "-- +goose Down". The other annotations
// (StatementBegin/End, NO TRANSACTION) are SQL comments and stay. A file
// without any Up annotation is taken whole. Lines outside the section are
// blanked rather than removed, so parser positions keep their line numbers.
func gooseUp(src string) string {
	lines := strings.Split(src, "\n")
	hasUp := false
	for _, l := range lines {
		if m := gooseAnnotation.FindStringSubmatch(l); m != nil && strings.EqualFold(m[1], "up") {
			hasUp = true
			break
		}
	}
	if !hasUp {
		return src
	}
	in := false
	for i, l := range lines {
		if m := gooseAnnotation.FindStringSubmatch(l); m != nil {
			in = strings.EqualFold(m[1], "up")
			lines[i] = ""
			continue
		}
		if !in {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// applyDDL updates tables with the effect of one migration statement.
func applyDDL(tables map[string]bool, stmt *pg_query.Node) {
	switch {
	case stmt.GetCreateStmt() != nil:
		c := stmt.GetCreateStmt()
		if createsTenantTable(tables, c) {
			tables[c.GetRelation().GetRelname()] = true
		}
	case stmt.GetAlterTableStmt() != nil:
		a := stmt.GetAlterTableStmt()
		if a.GetObjtype() != pg_query.ObjectType_OBJECT_TABLE {
			return
		}
		name := a.GetRelation().GetRelname()
		for _, cmd := range a.GetCmds() {
			c := cmd.GetAlterTableCmd()
			switch c.GetSubtype() {
			case pg_query.AlterTableType_AT_AddColumn:
				if c.GetDef().GetColumnDef().GetColname() == tenantColumn {
					tables[name] = true
				}
			case pg_query.AlterTableType_AT_DropColumn:
				if c.GetName() == tenantColumn {
					delete(tables, name)
				}
			}
		}
	case stmt.GetDropStmt() != nil:
		d := stmt.GetDropStmt()
		if d.GetRemoveType() != pg_query.ObjectType_OBJECT_TABLE {
			return
		}
		for _, obj := range d.GetObjects() {
			items := obj.GetList().GetItems()
			if len(items) > 0 {
				delete(tables, items[len(items)-1].GetString_().GetSval())
			}
		}
	case stmt.GetRenameStmt() != nil:
		r := stmt.GetRenameStmt()
		old := r.GetRelation().GetRelname()
		switch {
		case r.GetRenameType() == pg_query.ObjectType_OBJECT_TABLE && tables[old]:
			delete(tables, old)
			tables[r.GetNewname()] = true
		case r.GetRenameType() == pg_query.ObjectType_OBJECT_COLUMN && r.GetSubname() == tenantColumn:
			delete(tables, old)
		case r.GetRenameType() == pg_query.ObjectType_OBJECT_COLUMN && r.GetNewname() == tenantColumn:
			tables[old] = true
		}
	}
}

// createsTenantTable reports whether a CREATE TABLE yields a tenant_id column.
func createsTenantTable(tables map[string]bool, c *pg_query.CreateStmt) bool {
	for _, elt := range c.GetTableElts() {
		if elt.GetColumnDef().GetColname() == tenantColumn {
			return true
		}
		if like := elt.GetTableLikeClause(); like != nil && tables[like.GetRelation().GetRelname()] {
			return true
		}
	}
	for _, parent := range c.GetInhRelations() {
		if tables[parent.GetRangeVar().GetRelname()] {
			return true
		}
	}
	return false
}

// MigrationFiles expands the migration globs against root. A relative
// pattern is taken relative to root; "**" matches zero or more directories.
func MigrationFiles(root string, patterns []string) ([]string, error) {
	var files []string
	seen := make(map[string]bool)
	for _, p := range patterns {
		p = filepath.ToSlash(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if !path.IsAbs(p) && !filepath.IsAbs(p) {
			p = path.Join(filepath.ToSlash(root), p)
		}
		matches, err := globStar(p)
		if err != nil {
			return nil, fmt.Errorf("migrations %q: %w", p, err)
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	sort.Strings(files)
	return files, nil
}

// globStar is filepath.Glob with "**" for any number of directories.
func globStar(pattern string) ([]string, error) {
	if !strings.Contains(pattern, "**") {
		return filepath.Glob(filepath.FromSlash(pattern))
	}
	// Walk from the longest prefix without wildcards.
	segs := strings.Split(pattern, "/")
	base := 0
	for base < len(segs) && !strings.ContainsAny(segs[base], "*?[") {
		base++
	}
	dir := strings.Join(segs[:base], "/")
	if dir == "" {
		dir = "/"
	}
	rest := segs[base:]
	var out []string
	err := filepath.WalkDir(filepath.FromSlash(dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if p != filepath.FromSlash(dir) && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(filepath.FromSlash(dir), p)
		if err != nil {
			return err
		}
		ok, err := matchSegments(rest, strings.Split(filepath.ToSlash(rel), "/"))
		if ok {
			out = append(out, p)
		}
		return err
	})
	return out, err
}

// skipDir reports whether a directory walk leaves out a directory, as the go
// command does.
func skipDir(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// matchSegments matches path segments against pattern segments, where a "**"
// segment matches any number of path segments.
func matchSegments(pat, segs []string) (bool, error) {
	if len(pat) == 0 {
		return len(segs) == 0, nil
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if ok, err := matchSegments(pat[1:], segs[i:]); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	}
	if len(segs) == 0 {
		return false, nil
	}
	ok, err := path.Match(pat[0], segs[0])
	if !ok || err != nil {
		return false, err
	}
	return matchSegments(pat[1:], segs[1:])
}

// FindModuleRoot returns the nearest directory at or above dir that holds a
// go.mod file, or "" if there is none.
func FindModuleRoot(dir string) string {
	dir = filepath.Clean(dir)
	for {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// tableCache keeps the tenant-table set per module root and pattern list, so
// a run over many packages reads the migrations once.
var tableCache sync.Map // key string -> *tableEntry

// tableEntry is one cached TenantTables result.
type tableEntry struct {
	once   sync.Once
	tables map[string]bool
	owners map[string][]string
	files  []string
	err    error
}

// loadTenantTables returns the tenant and owner-only tables for root and patterns, cached.
func loadTenantTables(root string, patterns []string) (*tableEntry, error) {
	key := root + "\x00" + strings.Join(patterns, "\x00")
	v, _ := tableCache.LoadOrStore(key, &tableEntry{})
	e := v.(*tableEntry)
	e.once.Do(func() {
		e.files, e.err = MigrationFiles(root, patterns)
		if e.err == nil {
			e.tables, e.err = TenantTables(e.files)
		}
		if e.err == nil {
			e.owners, e.err = OwnerTables(e.files)
		}
	})
	return e, e.err
}
