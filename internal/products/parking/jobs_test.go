package parking_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// fixture is one tenant with a space and reservations in given states.
type fixture struct {
	tenant                  tenancy.TenantID
	ctx                     context.Context
	ended, noShow, upcoming uuid.UUID
}

func seed(t *testing.T, db *postgres.DB, svc *parking.Service, name string) fixture {
	t.Helper()
	f := fixture{tenant: tenancy.TenantID(tenancy.NewID()), ended: tenancy.NewID(), noShow: tenancy.NewID(), upcoming: tenancy.NewID()}
	var err error
	f.ctx, err = tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: f.tenant, Role: tenancy.RoleOwner, Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		t.Fatal(err)
	}
	tid := f.tenant.UUID()
	err = db.Tx(f.ctx, func(q postgres.Querier) error {
		_, err := q.Exec(f.ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, tid, name, name+"-"+tid.String()[:8])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	site, err := svc.CreateSite(f.ctx, parking.SiteFields{Name: ptr("Main")})
	if err != nil {
		t.Fatal(err)
	}
	code := "J-1"
	space, err := svc.CreateSpace(f.ctx, parking.SpaceFields{SiteID: uuid.MustParse(site.ID), Code: &code})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		id         uuid.UUID
		start, end string
	}{
		{f.ended, "-3 hours", "-1 hour"},
		{f.noShow, "-30 minutes", "+1 hour"},
		{f.upcoming, "+1 hour", "+2 hours"},
	}
	err = db.Tx(f.ctx, func(q postgres.Querier) error {
		for _, r := range rows {
			_, err := q.Exec(f.ctx, `INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at)
				VALUES ($1, $2, $3, $4, sha256('x'), 'confirmed', now() + $5::interval, now() + $6::interval)`,
				tid, r.id, uuid.MustParse(space.ID), tenancy.NewID(), r.start, r.end)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func status(t *testing.T, svc *parking.Service, f fixture, id uuid.UUID) string {
	t.Helper()
	r, err := svc.GetReservation(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSweepsRunPerTenant: the periodic sweep finds due reservations of two tenants, and each is
// expired or released in its own tenant's scope (its audit row is in that tenant's log).
func TestSweepsRunPerTenant(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	db := env.Open(t, 8)
	log := slog.New(slog.DiscardHandler)
	svc := parking.New(db, log)
	a, b := seed(t, db, svc, "jobs-a"), seed(t, db, svc, "jobs-b")
	reg := jobs.NewRegistry(log)
	svc.Jobs(reg, parking.Schedule{Sweep: 200 * time.Millisecond})
	r, err := jobs.New(db, log, reg, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	// The display refresh sweep's cross-tenant list runs as the system role: neither tenant has a
	// placed display.
	if ts, err := svc.TenantsWithDisplays(t.Context()); err != nil || len(ts) != 0 {
		t.Errorf("tenants with displays: %v %v", ts, err)
	}
	for _, f := range []fixture{a, b} {
		eventually(t, "expiry and no-show", func() bool {
			return status(t, svc, f, f.ended) == parking.ReservationExpired && status(t, svc, f, f.noShow) == parking.ReservationNoShow
		})
		if st := status(t, svc, f, f.upcoming); st != parking.ReservationConfirmed {
			t.Errorf("an upcoming reservation became %s", st)
		}
		n := count(t, env.SuperURL, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND principal_kind = 'system'
			AND action IN ('reservation.expire', 'reservation.no_show') AND target_id IN ($2, $3)`, f.tenant.UUID(), f.ended.String(), f.noShow.String())
		if n != 2 {
			t.Errorf("%d system audit rows in the reservation's own tenant, want 2", n)
		}
	}
}

// TestRetention deletes readings and state history older than the tenant's settings.
func TestRetention(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	db := env.Open(t, 4)
	svc := parking.New(db, slog.New(slog.DiscardHandler))
	f := seed(t, db, svc, "ret")
	eui := "00AA00AA00AA00AA"
	sp, err := svc.ListSpaces(f.ctx, parking.SpaceFilter{}, 10, nil)
	if err != nil || len(sp) != 1 {
		t.Fatal(err)
	}
	dev, err := svc.CreateDevice(f.ctx, parking.DeviceFields{DevEUI: eui, Kind: "sensor", SpaceID: uuid.NullUUID{UUID: uuid.MustParse(sp[0].ID), Valid: true}})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Tx(f.ctx, func(q postgres.Querier) error {
		for _, age := range []string{"40 days", "10 days"} {
			_, err := q.Exec(f.ctx, `INSERT INTO readings (tenant_id, id, device_id, event, measured_at, received_at)
				VALUES ($1, $2, $3, 'up', now() - $4::interval, now() - $4::interval)`, f.tenant.UUID(), tenancy.NewID(), uuid.MustParse(dev.ID), age)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.ApplyRetention(f.ctx)
	if err != nil || got.Readings != 1 {
		t.Fatalf("retention: %+v, %v (want 1 reading deleted)", got, err)
	}
	if n := count(t, env.SuperURL, `SELECT count(*) FROM readings WHERE tenant_id = $1`, f.tenant.UUID()); n != 1 {
		t.Errorf("%d readings left, want the 10-day-old one", n)
	}
}

func count(t *testing.T, url, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", sql, err))
	}
	return n
}
