package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Bootstrap prepares a private cluster for Tenantry, connected as a superuser: it creates the three
// roles (owner, application, system) when they are missing and the database, owned by the owner
// role. It is idempotent. Operators of a managed database run the equivalent SQL once by hand
// (docs/operations.md); Tenantry itself never connects as a superuser outside this function.
func Bootstrap(ctx context.Context, superURL, dbname string) error {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return fmt.Errorf("postgres: bootstrap: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	roles := []struct{ name, attrs string }{
		{OwnerRole, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"},
		{AppRole, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"},
		{SystemRole, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS"},
	}
	for _, r := range roles {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, r.name).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: bootstrap: %w", err)
		}
		if !exists {
			if _, err := conn.Exec(ctx, "CREATE ROLE "+pgx.Identifier{r.name}.Sanitize()+" "+r.attrs); err != nil {
				return fmt.Errorf("postgres: bootstrap: create role %s: %w", r.name, err)
			}
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, dbname).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: bootstrap: %w", err)
	}
	if !exists {
		sql := "CREATE DATABASE " + pgx.Identifier{dbname}.Sanitize() + " OWNER " + OwnerRole + " ENCODING 'UTF8' TEMPLATE template0"
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("postgres: bootstrap: create database: %w", err)
		}
	}
	return createExtensions(ctx, superURL, dbname)
}

// Extensions are the PostgreSQL extensions the migrations use. Creating one needs a superuser, so
// Bootstrap creates them; operators of a managed database create them once by hand
// (docs/operations.md). btree_gist: gist equality on uuid, for the reservation exclusion constraint.
var Extensions = []string{"btree_gist"}

// createExtensions connects to dbname as the superuser and creates the extensions it lacks.
func createExtensions(ctx context.Context, superURL, dbname string) error {
	cfg, err := pgx.ParseConfig(superURL)
	if err != nil {
		return fmt.Errorf("postgres: bootstrap: %w", err)
	}
	cfg.Database = dbname
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: bootstrap: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ext := range Extensions {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+pgx.Identifier{ext}.Sanitize()); err != nil {
			return fmt.Errorf("postgres: bootstrap: create extension %s: %w", ext, err)
		}
	}
	return nil
}
