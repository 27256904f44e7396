package parking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/jobs"
)

// ReservationSweepArgs starts the periodic sweep for ended and no-show reservations.
type ReservationSweepArgs struct{}

// Kind names the job.
func (ReservationSweepArgs) Kind() string { return "parking.reservation_sweep" }

// ExpireArgs expires one reservation of one tenant.
type ExpireArgs struct {
	jobs.TenantArgs
	ReservationID uuid.UUID `json:"reservation_id"`
}

// Kind names the job.
func (ExpireArgs) Kind() string { return "parking.reservation_expire" }

// NoShowArgs releases one unattended reservation of one tenant.
type NoShowArgs struct {
	jobs.TenantArgs
	ReservationID uuid.UUID `json:"reservation_id"`
}

// Kind names the job.
func (NoShowArgs) Kind() string { return "parking.reservation_no_show" }

// RetentionSweepArgs starts the periodic retention sweep.
type RetentionSweepArgs struct{}

// Kind names the job.
func (RetentionSweepArgs) Kind() string { return "parking.retention_sweep" }

// RetentionArgs applies one tenant's retention settings. Slot is the sweep's hour (Unix
// seconds): without it the job's uniqueness by arguments would let it run once a day.
type RetentionArgs struct {
	jobs.TenantArgs
	Slot int64 `json:"slot"`
}

// Kind names the job.
func (RetentionArgs) Kind() string { return "parking.retention" }

// DisplaySweepArgs starts the periodic display refresh sweep.
type DisplaySweepArgs struct{}

// Kind names the job.
func (DisplaySweepArgs) Kind() string { return "parking.display_sweep" }

// DisplayRefreshArgs sends again the displays of one tenant whose look the clock has changed.
// Slot is the sweep's minute (Unix seconds): tenant jobs are unique by their arguments for a day,
// so the slot makes one refresh per tenant and minute, however many instances sweep.
type DisplayRefreshArgs struct {
	jobs.TenantArgs
	Slot int64 `json:"slot"`
}

// Kind names the job.
func (DisplayRefreshArgs) Kind() string { return "parking.display_refresh" }

// Schedule says how often parking's periodic sweeps run; zero values take the defaults.
type Schedule struct {
	Sweep     time.Duration // reservation expiry and no-show sweep, display refresh sweep; default 1 minute
	Retention time.Duration // retention sweep; default 1 hour
}

// Jobs registers parking's job kinds on r, and its three periodic sweeps at the intervals of every.
// Each sweep lists work across tenants (registered cross-tenant queries) and inserts one job per
// item; each of those runs in its own tenant's scope.
func (s *Service) Jobs(r *jobs.Registry, every Schedule) {
	if every.Sweep <= 0 {
		every.Sweep = time.Minute
	}
	if every.Retention <= 0 {
		every.Retention = time.Hour
	}
	jobs.Add(r, s.sweepReservations)
	jobs.AddTenant(r, func(ctx context.Context, a ExpireArgs) error {
		_, err := s.ExpireReservation(ctx, a.ReservationID)
		return err
	})
	jobs.AddTenant(r, func(ctx context.Context, a NoShowArgs) error {
		_, err := s.MarkNoShow(ctx, a.ReservationID)
		return err
	})
	jobs.Add(r, s.sweepRetention)
	jobs.AddTenant(r, func(ctx context.Context, _ RetentionArgs) error {
		_, err := s.ApplyRetention(ctx)
		return err
	})
	jobs.AddTenant(r, s.sendDownlink)
	jobs.Add(r, s.sweepDisplays)
	jobs.AddTenant(r, func(ctx context.Context, _ DisplayRefreshArgs) error {
		_, err := s.RefreshDisplays(ctx)
		return err
	})
	r.Every(every.Sweep, ReservationSweepArgs{})
	r.Every(every.Sweep, DisplaySweepArgs{})
	r.Every(every.Retention, RetentionSweepArgs{})
}

// sweepReservations inserts one job per reservation that is over or unattended, across tenants.
func (s *Service) sweepReservations(ctx context.Context, _ ReservationSweepArgs) error {
	expire, err := s.ReservationsToExpire(ctx)
	if err != nil {
		return fmt.Errorf("parking: reservation sweep: %w", err)
	}
	noShow, err := s.ReservationsNoShow(ctx)
	if err != nil {
		return fmt.Errorf("parking: reservation sweep: %w", err)
	}
	todo := make([]jobs.TenantJob, 0, len(expire)+len(noShow))
	for _, d := range expire {
		todo = append(todo, ExpireArgs{jobs.For(d.Tenant), d.ID})
	}
	for _, d := range noShow {
		todo = append(todo, NoShowArgs{jobs.For(d.Tenant), d.ID})
	}
	return jobs.InsertMany(ctx, todo)
}

// sweepRetention inserts one retention job per tenant.
func (s *Service) sweepRetention(ctx context.Context, _ RetentionSweepArgs) error {
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("parking: retention sweep: %w", err)
	}
	slot := s.now().Truncate(time.Hour).Unix()
	todo := make([]jobs.TenantJob, 0, len(tenants))
	for _, t := range tenants {
		todo = append(todo, RetentionArgs{jobs.For(t), slot})
	}
	return jobs.InsertMany(ctx, todo)
}

// sweepDisplays inserts one display refresh job per tenant with placed displays.
func (s *Service) sweepDisplays(ctx context.Context, _ DisplaySweepArgs) error {
	tenants, err := s.TenantsWithDisplays(ctx)
	if err != nil {
		return fmt.Errorf("parking: display sweep: %w", err)
	}
	slot := s.now().Truncate(time.Minute).Unix()
	todo := make([]jobs.TenantJob, 0, len(tenants))
	for _, t := range tenants {
		todo = append(todo, DisplayRefreshArgs{jobs.For(t), slot})
	}
	return jobs.InsertMany(ctx, todo)
}
