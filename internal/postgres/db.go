package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// The database roles Tenantry's migrations and bootstrap use (see docs/architecture.md).
const (
	OwnerRole  = "tenantry_owner"
	AppRole    = "tenantry_app"
	SystemRole = "tenantry_system"
)

// Config says how to reach the database.
type Config struct {
	AppURL    string // connection string of the application role (required)
	SystemURL string // connection string of the system role (required for cross-tenant queries)
	MaxConns  int32  // pool size per role; 0 means pgxpool's default (max(4, NumCPU))
	// Tracer, when set to a recording provider, makes a "db.query" span around every statement
	// (tracing.go); nil or a no-op provider installs no hook.
	Tracer trace.TracerProvider
}

// DB is the application's handle on the database: the application-role pool for scoped work and
// the system-role pool reserved for registered cross-tenant queries.
type DB struct {
	app *pgxpool.Pool
	sys *pgxpool.Pool
}

// Open connects both pools and checks that each answers.
func Open(ctx context.Context, c Config) (*DB, error) {
	if c.AppURL == "" {
		return nil, errors.New("postgres: open: the application role's connection string is required")
	}
	app, err := newPool(ctx, c.AppURL, c.MaxConns, c.Tracer)
	if err != nil {
		return nil, fmt.Errorf("postgres: open app pool: %w", err)
	}
	db := &DB{app: app}
	if c.SystemURL != "" {
		if db.sys, err = newPool(ctx, c.SystemURL, c.MaxConns, c.Tracer); err != nil {
			app.Close()
			return nil, fmt.Errorf("postgres: open system pool: %w", err)
		}
	}
	return db, nil
}

func newPool(ctx context.Context, url string, maxConns int32, tp trace.TracerProvider) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.ConnConfig.RuntimeParams["application_name"] = "tenantry"
	// No JIT, unless the URL asks for it (?jit=on). PostgreSQL decides to compile a query from its
	// plan's total cost, and a page query with a LIMIT over a large tenant is costed as if it read
	// every row: a 50-row page that runs in 1 ms spent 70-950 ms compiling (docs/performance.md).
	// Nothing this service runs is long enough to win that back.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	if _, off := tp.(noop.TracerProvider); tp != nil && !off {
		cfg.ConnConfig.Tracer = newQueryTracer(tp)
	}
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		registerUUID(conn.TypeMap())
		return nil
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// Close closes both pools.
func (db *DB) Close() {
	db.app.Close()
	if db.sys != nil {
		db.sys.Close()
	}
}

// Ping checks that the database answers as the application role.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.app.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// PoolStats are the figures of one pool, for metrics.
type PoolStats struct {
	Role                            string
	Total, Idle, Acquired, Max      int32
	AcquireCount, EmptyAcquireCount int64
	AcquireDuration                 time.Duration
}

// Stats returns the statistics of each pool.
func (db *DB) Stats() []PoolStats {
	out := []PoolStats{poolStats(AppRole, db.app)}
	if db.sys != nil {
		out = append(out, poolStats(SystemRole, db.sys))
	}
	return out
}

func poolStats(role string, p *pgxpool.Pool) PoolStats {
	s := p.Stat()
	return PoolStats{
		Role: role, Total: s.TotalConns(), Idle: s.IdleConns(), Acquired: s.AcquiredConns(), Max: s.MaxConns(),
		AcquireCount: s.AcquireCount(), EmptyAcquireCount: s.EmptyAcquireCount(), AcquireDuration: s.AcquireDuration(),
	}
}
