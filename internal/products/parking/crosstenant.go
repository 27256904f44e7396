package parking

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

var reservationsToExpire = postgres.Register(postgres.CrossTenant{
	Name: "parking.reservations_to_expire",
	Why:  "the expiry sweep finds ended reservations of every tenant; each is expired in its own tenant's transaction",
	SQL: `SELECT tenant_id, id FROM reservations
WHERE status IN ('pending', 'confirmed') AND ends_at <= now()
ORDER BY ends_at LIMIT 1000`,
	Reads: map[string][]string{"reservations": {"tenant_id", "id", "status", "ends_at"}},
})

var reservationsNoShow = postgres.Register(postgres.CrossTenant{
	Name: "parking.reservations_no_show",
	Why:  "the no-show sweep finds unattended reservations of every tenant (per-tenant grace); each is released in its own tenant's transaction",
	SQL: `SELECT r.tenant_id, r.id FROM reservations r
LEFT JOIN parking_settings p ON p.tenant_id = r.tenant_id
WHERE r.status = 'confirmed' AND r.checked_in_at IS NULL AND r.ends_at > now()
  AND coalesce(p.no_show_minutes, 15) > 0
  AND r.starts_at + make_interval(mins => coalesce(p.no_show_minutes, 15)) <= now()
ORDER BY r.starts_at LIMIT 1000`,
	Reads: map[string][]string{
		"reservations":     {"tenant_id", "id", "status", "checked_in_at", "starts_at", "ends_at"},
		"parking_settings": {"tenant_id", "no_show_minutes"},
	},
})

var tenantsForRetention = postgres.Register(postgres.CrossTenant{
	Name:  "parking.tenants_for_retention",
	Why:   "the retention sweep runs once per tenant, each in that tenant's own transaction",
	SQL:   `SELECT id FROM tenants ORDER BY id LIMIT 100000`,
	Reads: map[string][]string{"tenants": {"id"}},
})

var tenantsWithDisplays = postgres.Register(postgres.CrossTenant{
	Name: "parking.tenants_with_displays",
	Why:  "the display refresh sweep runs once per tenant with placed displays, each in that tenant's own transaction",
	SQL: `SELECT DISTINCT tenant_id FROM devices
WHERE kind = 'display' AND status = 'active' AND space_id IS NOT NULL
ORDER BY tenant_id LIMIT 100000`,
	Reads: map[string][]string{"devices": {"tenant_id", "kind", "status", "space_id"}},
})

// Due is an item a sweep found: a reservation and its tenant.
type Due struct {
	Tenant tenancy.TenantID
	ID     uuid.UUID
}

// ReservationsToExpire lists, across tenants, reservations whose window is over (at most 1000).
func (s *Service) ReservationsToExpire(ctx context.Context) ([]Due, error) {
	out, err := s.due(ctx, reservationsToExpire)
	if err != nil {
		return nil, fmt.Errorf("parking: reservations to expire: %w", err)
	}
	return out, nil
}

// ReservationsNoShow lists, across tenants, confirmed reservations nobody checked in to within the
// tenant's grace period (at most 1000).
func (s *Service) ReservationsNoShow(ctx context.Context) ([]Due, error) {
	out, err := s.due(ctx, reservationsNoShow)
	if err != nil {
		return nil, fmt.Errorf("parking: reservations no show: %w", err)
	}
	return out, nil
}

func (s *Service) due(ctx context.Context, q postgres.CrossTenant) ([]Due, error) {
	rows, err := s.db.CrossTenantQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Due
	for rows.Next() {
		var tenant, id uuid.UUID
		if err := rows.Scan(&tenant, &id); err != nil {
			return nil, fmt.Errorf("parking: %s: %w", q.Name, err)
		}
		out = append(out, Due{Tenant: tenancy.TenantID(tenant), ID: id})
	}
	return out, rows.Err()
}

// Tenants lists every tenant, for the per-tenant retention jobs.
func (s *Service) Tenants(ctx context.Context) ([]tenancy.TenantID, error) {
	return s.tenants(ctx, tenantsForRetention)
}

// TenantsWithDisplays lists the tenants with at least one display placed on a space.
func (s *Service) TenantsWithDisplays(ctx context.Context) ([]tenancy.TenantID, error) {
	return s.tenants(ctx, tenantsWithDisplays)
}

func (s *Service) tenants(ctx context.Context, q postgres.CrossTenant) ([]tenancy.TenantID, error) {
	rows, err := s.db.CrossTenantQuery(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("parking: %s: %w", q.Name, err)
	}
	defer rows.Close()
	var out []tenancy.TenantID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("parking: %s: %w", q.Name, err)
		}
		out = append(out, tenancy.TenantID(id))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("parking: %s: %w", q.Name, err)
	}
	return out, nil
}
