package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// coreMigrations is the platform schema: tenants, users, memberships, refresh tokens, audit.
//
//go:embed migrations/*.sql
var coreMigrations embed.FS

// CoreMigrations returns the platform's migrations. Products add their own (see Migrator).
func CoreMigrations() fs.FS { return MigrationsDir(coreMigrations) }

// MigrationsDir returns the "migrations" directory of a package's embedded files, the layout every
// package that owns tables uses (`//go:embed migrations/*.sql`).
func MigrationsDir(files embed.FS) fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}

// Migrator applies goose migrations as the owner role. Each package that owns tables passes its own
// migrations directory; versions are timestamps, so the union sorts in the order they were written.
type Migrator struct {
	db *sql.DB
	p  *goose.Provider
}

// MigrationStep is one applied, reverted or pending migration.
type MigrationStep struct {
	Version  int64
	Name     string
	State    string // "applied", "pending", "up", "down"
	At       time.Time
	Duration time.Duration
}

// GoMigrations is implemented by a migration source that also has migrations written in Go (the
// River job queue's schema, applied through River's own migrator); their versions share the
// timestamp space of the SQL files.
type GoMigrations interface {
	GoMigrations() []*goose.Migration
}

// NewMigrator connects as the owner role and reads the migrations of every source.
func NewMigrator(ctx context.Context, ownerURL string, sources ...fs.FS) (*Migrator, error) {
	cfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrator: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: migrator: %w", err)
	}
	union, err := unionFS(sources)
	if err != nil {
		db.Close()
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true)}
	for _, src := range sources {
		if g, ok := src.(GoMigrations); ok {
			opts = append(opts, goose.WithGoMigrations(g.GoMigrations()...))
		}
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, union, opts...)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: migrator: %w", err)
	}
	return &Migrator{db: db, p: p}, nil
}

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context) ([]MigrationStep, error) {
	res, err := m.p.Up(ctx)
	return results(res), wrapMigrate("up", err)
}

// Down reverts the most recent migration.
func (m *Migrator) Down(ctx context.Context) ([]MigrationStep, error) {
	res, err := m.p.Down(ctx)
	if res == nil {
		return nil, wrapMigrate("down", err)
	}
	return results([]*goose.MigrationResult{res}), wrapMigrate("down", err)
}

// Status lists every migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStep, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, wrapMigrate("status", err)
	}
	out := make([]MigrationStep, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStep{Version: s.Source.Version, Name: path.Base(s.Source.Path), State: string(s.State), At: s.AppliedAt})
	}
	return out, nil
}

// Close releases the connection.
func (m *Migrator) Close() error { return errors.Join(m.p.Close(), m.db.Close()) }

func results(rs []*goose.MigrationResult) []MigrationStep {
	out := make([]MigrationStep, 0, len(rs))
	for _, r := range rs {
		out = append(out, MigrationStep{Version: r.Source.Version, Name: path.Base(r.Source.Path), State: r.Direction, Duration: r.Duration})
	}
	return out
}

func wrapMigrate(op string, err error) error {
	if err == nil || errors.Is(err, goose.ErrNoNextVersion) || errors.Is(err, goose.ErrNoCurrentVersion) {
		return nil
	}
	return fmt.Errorf("postgres: migrate %s: %w", op, err)
}

// unionFS merges several flat migration directories into one; a file name may appear only once.
func unionFS(sources []fs.FS) (fs.FS, error) {
	u := &union{owner: map[string]fs.FS{}}
	for _, src := range sources {
		entries, err := fs.ReadDir(src, ".")
		if err != nil {
			return nil, fmt.Errorf("postgres: migrations: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			if _, dup := u.owner[e.Name()]; dup {
				return nil, fmt.Errorf("postgres: migrations: %s appears in two sources", e.Name())
			}
			u.owner[e.Name()] = src
			u.entries = append(u.entries, e)
		}
	}
	slices.SortFunc(u.entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return u, nil
}

type union struct {
	owner   map[string]fs.FS
	entries []fs.DirEntry
}

func (u *union) Open(name string) (fs.File, error) {
	if src, ok := u.owner[name]; ok {
		return src.Open(name)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (u *union) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(u.entries), nil
}
