package postgres_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

func TestOneTurnsNoRowIntoNotFound(t *testing.T) {
	if _, err := postgres.One(0, pgx.ErrNoRows); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("no row: %v, want errs.ErrNotFound", err)
	}
	wrapped := errors.Join(errors.New("context"), pgx.ErrNoRows)
	if _, err := postgres.One(0, wrapped); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("wrapped no row: %v, want errs.ErrNotFound", err)
	}
	other := errors.New("boom")
	if v, err := postgres.One(7, other); v != 7 || !errors.Is(err, other) {
		t.Errorf("other error: %d %v", v, err)
	}
	if v, err := postgres.One(7, nil); v != 7 || err != nil {
		t.Errorf("a row: %d %v", v, err)
	}
}

// TestGetReadsTheScopesTenant: Get hands the query the tenant of the scope, runs it under that
// scope, and answers another tenant's row exactly like a missing one.
func TestGetReadsTheScopesTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	role := func(user tenancy.UserID) func(postgres.Querier, uuid.UUID) (string, error) {
		return func(q postgres.Querier, tenant uuid.UUID) (string, error) {
			var r string
			err := q.QueryRow(w.a.ctx, `SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tenant, user.UUID()).Scan(&r)
			return r, err
		}
	}
	if r, err := postgres.Get(w.a.ctx, w.db, role(w.a.user)); err != nil || r != "owner" {
		t.Errorf("own member: %q %v, want owner", r, err)
	}
	if _, err := postgres.Get(w.a.ctx, w.db, role(w.b.user)); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("another tenant's member: %v, want errs.ErrNotFound", err)
	}
	ran := false
	_, err := postgres.Get(t.Context(), w.db, func(postgres.Querier, uuid.UUID) (string, error) { ran = true; return "", nil })
	if !errors.Is(err, tenancy.ErrNoScope) || ran {
		t.Errorf("without a scope: %v, ran %v", err, ran)
	}
}
