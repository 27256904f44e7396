package parking_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// stateCase is one space of TestSpaceStateRule: the facts written, the state v_spaces must derive.
type stateCase struct {
	override    string // "", or an override: active, blocked (active, of kind blocked), cleared, ended, future
	occupancy   string // the sensor's fact
	reservation string // "", or a reservation: confirmed or pending (covering now), cancelled (covering now), future
	want        parking.State
}

// TestSpaceStateRule checks the rule production applies, the v_spaces view of the parking
// migrations, on PostgreSQL as the application role: an active override > occupied > a
// reservation covering now > free. The first rows are the rule's table; the others check the
// view's windows and statuses.
func TestSpaceStateRule(t *testing.T) {
	t.Parallel()
	cases := []stateCase{
		{"", "unknown", "", parking.StateFree},
		{"", "vacant", "", parking.StateFree},
		{"", "vacant", "confirmed", parking.StateReserved},
		{"", "occupied", "confirmed", parking.StateOccupied},
		{"", "occupied", "", parking.StateOccupied},
		{"active", "vacant", "", parking.StateMaintenance},
		{"active", "occupied", "confirmed", parking.StateMaintenance},
		{"active", "unknown", "confirmed", parking.StateMaintenance},

		{"blocked", "vacant", "", parking.StateMaintenance},
		{"cleared", "vacant", "confirmed", parking.StateReserved},
		{"ended", "occupied", "", parking.StateOccupied},
		{"future", "unknown", "", parking.StateFree},
		{"", "vacant", "pending", parking.StateReserved},
		{"", "vacant", "cancelled", parking.StateFree},
		{"", "unknown", "future", parking.StateFree},
	}
	env := testenv.NewDB(t)
	db := env.Open(t, 2)
	ctx := ownerScope(t)
	spaces := make([]uuid.UUID, len(cases))
	err := db.Tx(ctx, func(q postgres.Querier) error {
		site, err := seedSite(ctx, q)
		for i, c := range cases {
			if err == nil {
				spaces[i], err = seedStateCase(ctx, q, site, i, c)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[uuid.UUID]parking.State{}
	err = db.Read(ctx, func(q postgres.Querier) error {
		rows, err := q.Query(ctx, `SELECT id, state FROM v_spaces WHERE tenant_id = $1`, tenantOf(ctx))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id uuid.UUID
			var st string
			if err := rows.Scan(&id, &st); err != nil {
				return err
			}
			got[id] = parking.State(st)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		if got[spaces[i]] != c.want {
			t.Errorf("override %q, occupancy %q, reservation %q: v_spaces says %q, want %s", c.override, c.occupancy, c.reservation, got[spaces[i]], c.want)
		}
	}
}

// ownerScope is a fresh tenant's scope, as its owner.
func ownerScope(t *testing.T) context.Context {
	t.Helper()
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: tenancy.TenantID(tenancy.NewID()), Role: tenancy.RoleOwner,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// tenantOf is the tenant of a scoped context.
func tenantOf(ctx context.Context) uuid.UUID {
	sc, _ := tenancy.FromContext(ctx)
	return sc.Tenant.UUID()
}

// seedSite writes the scope's tenant and a site of it.
func seedSite(ctx context.Context, q postgres.Querier) (uuid.UUID, error) {
	tenant, site := tenantOf(ctx), tenancy.NewID()
	if _, err := q.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 'State rule', $2)`, tenant, "t-"+tenant.String()); err != nil {
		return site, fmt.Errorf("tenant: %w", err)
	}
	_, err := q.Exec(ctx, `INSERT INTO sites (tenant_id, id, name) VALUES ($1, $2, 'Main')`, tenant, site)
	return site, err
}

// overrideSQL and reservationSQL write the facts a stateCase names, for space $2 of tenant $1.
var (
	overrideSQL = map[string]string{
		"active":  `INSERT INTO space_overrides (tenant_id, id, space_id, kind, starts_at) VALUES ($1, $3, $2, 'maintenance', now() - interval '1 hour')`,
		"blocked": `INSERT INTO space_overrides (tenant_id, id, space_id, kind, starts_at) VALUES ($1, $3, $2, 'blocked', now() - interval '1 hour')`,
		"cleared": `INSERT INTO space_overrides (tenant_id, id, space_id, kind, starts_at, cleared_at)
			VALUES ($1, $3, $2, 'maintenance', now() - interval '1 hour', now())`,
		"ended": `INSERT INTO space_overrides (tenant_id, id, space_id, kind, starts_at, ends_at)
			VALUES ($1, $3, $2, 'maintenance', now() - interval '2 hours', now() - interval '1 hour')`,
		"future": `INSERT INTO space_overrides (tenant_id, id, space_id, kind, starts_at) VALUES ($1, $3, $2, 'maintenance', now() + interval '1 hour')`,
	}
	reservationSQL = map[string]string{
		"confirmed": `INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at)
			VALUES ($1, $3, $2, $3, sha256('r'), 'confirmed', now() - interval '10 minutes', now() + interval '50 minutes')`,
		"pending": `INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at)
			VALUES ($1, $3, $2, $3, sha256('r'), 'pending', now() - interval '10 minutes', now() + interval '50 minutes')`,
		"cancelled": `INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at, cancelled_at)
			VALUES ($1, $3, $2, $3, sha256('r'), 'cancelled', now() - interval '10 minutes', now() + interval '50 minutes', now())`,
		"future": `INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at)
			VALUES ($1, $3, $2, $3, sha256('r'), 'confirmed', now() + interval '1 hour', now() + interval '2 hours')`,
	}
)

// seedStateCase writes space number i of c, with its occupancy, override and reservation.
func seedStateCase(ctx context.Context, q postgres.Querier, site uuid.UUID, i int, c stateCase) (uuid.UUID, error) {
	tenant, space := tenantOf(ctx), tenancy.NewID()
	_, err := q.Exec(ctx, `INSERT INTO spaces (tenant_id, id, site_id, code, occupancy) VALUES ($1, $2, $3, $4, $5)`,
		tenant, space, site, fmt.Sprintf("S-%02d", i), c.occupancy)
	for _, sql := range []string{overrideSQL[c.override], reservationSQL[c.reservation]} {
		if err == nil && sql != "" {
			_, err = q.Exec(ctx, sql, tenant, space, tenancy.NewID())
		}
	}
	if err != nil {
		return space, fmt.Errorf("space %d: %w", i, err)
	}
	return space, nil
}
