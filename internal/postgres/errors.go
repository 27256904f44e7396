package postgres

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// translate turns driver errors into Tenantry's error kinds, once, at the database boundary. The
// caller-facing messages are fixed and generic: a constraint error never echoes a value, a
// constraint name or another tenant's existence. The driver error stays in the chain for the log.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) || errors.Is(err, tenancy.ErrNoScope) || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.Wrap(errs.NotFound, "not found", err)
	}
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	switch {
	case pg.Code == "23505": // unique_violation
		return errs.Wrap(errs.Conflict, "conflict with an existing resource", err)
	case pg.Code == "23P01": // exclusion_violation
		return errs.Wrap(errs.Conflict, "conflict with an existing resource", err)
	case pg.Code == "23503" && strings.HasPrefix(pg.Message, "update or delete"):
		return errs.Wrap(errs.Conflict, "the resource is still referenced", err)
	case pg.Code == "23503": // a reference to a row the caller cannot see is the same as a missing one
		return errs.Wrap(errs.NotFound, "not found", err)
	case pg.Code == "23514", pg.Code == "23502", strings.HasPrefix(pg.Code, "22"):
		return errs.Wrap(errs.Invalid, "invalid value", err)
	case pg.Code == "40001", pg.Code == "40P01":
		return errs.Wrap(errs.Conflict, "concurrent update, retry the request", err)
	}
	return err
}

// Unreachable reports whether err says the database cannot be reached: no connection could be
// made, the connection broke, or the server is shutting down or not accepting connections. The
// request may succeed later (503 with Retry-After), unlike a fault of ours.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, pgconn.ErrConnClosed)
}

// IsCode reports whether err carries the given SQLSTATE, for the rare caller that must react to one
// specific database error (for example an idempotency race).
func IsCode(err error, code string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == code
}

// IsNoRows reports whether err says a query returned no row.
func IsNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
