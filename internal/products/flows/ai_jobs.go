package flows

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// AISchedule says how often the AI jobs run; zero values take the defaults.
type AISchedule struct {
	Expiry    time.Duration // conversation expiry; default 1 hour
	Retention time.Duration // chat retention; default 1 hour
	Flywheel  time.Duration // knowledge flywheel; default 5 minutes
}

// AIExpirySweepArgs starts the periodic conversation expiry sweep.
type AIExpirySweepArgs struct{}

// Kind names the job.
func (AIExpirySweepArgs) Kind() string { return "flows.ai_expiry_sweep" }

// AIExpireArgs expires AI sessions of one tenant. Slot is the sweep's minute (Unix seconds): tenant
// jobs are unique by their arguments for a day, and the same ids may be due again later.
type AIExpireArgs struct {
	jobs.TenantArgs
	IDs  []uuid.UUID `json:"ids"`
	Slot int64       `json:"slot"`
}

// Kind names the job.
func (AIExpireArgs) Kind() string { return "flows.ai_expire" }

// AIRetentionSweepArgs starts the periodic chat retention sweep.
type AIRetentionSweepArgs struct{}

// Kind names the job.
func (AIRetentionSweepArgs) Kind() string { return "flows.ai_retention_sweep" }

// AIRetentionArgs applies one tenant's chat retention. Slot is the sweep's hour (Unix seconds).
type AIRetentionArgs struct {
	jobs.TenantArgs
	Slot int64 `json:"slot"`
}

// Kind names the job.
func (AIRetentionArgs) Kind() string { return "flows.ai_retention" }

// AIJobs registers the AI sessions' job kinds on r, and their periodic sweeps at the intervals of
// every. Each sweep lists work across tenants (registered cross-tenant queries) and inserts one
// job per tenant; each of those runs in its own tenant's scope.
func (s *Service) AIJobs(r *jobs.Registry, every AISchedule) {
	if every.Expiry <= 0 {
		every.Expiry = time.Hour
	}
	if every.Retention <= 0 {
		every.Retention = time.Hour
	}
	if every.Flywheel <= 0 {
		every.Flywheel = 5 * time.Minute
	}
	jobs.Add(r, s.sweepAIExpiry)
	jobs.AddTenant(r, func(ctx context.Context, a AIExpireArgs) error {
		_, err := s.ExpireAIConversations(ctx, a.IDs)
		return err
	})
	jobs.Add(r, s.sweepAIRetention)
	jobs.AddTenant(r, func(ctx context.Context, _ AIRetentionArgs) error {
		_, err := s.ApplyChatRetention(ctx)
		return err
	})
	r.Every(every.Expiry, AIExpirySweepArgs{})
	r.Every(every.Retention, AIRetentionSweepArgs{})
	s.flywheelJobs(r, every.Flywheel)
}

// sweepAIExpiry inserts one expiry job per tenant with due sessions.
func (s *Service) sweepAIExpiry(ctx context.Context, _ AIExpirySweepArgs) error {
	due, err := s.AIConversationsToExpire(ctx)
	if err != nil {
		return fmt.Errorf("flows: ai expiry sweep: %w", err)
	}
	slot := s.now().Truncate(time.Minute).Unix()
	todo := make([]jobs.TenantJob, 0, len(due))
	for _, t := range slices.SortedFunc(maps.Keys(due), func(a, b tenancy.TenantID) int { return strings.Compare(a.String(), b.String()) }) {
		todo = append(todo, AIExpireArgs{TenantArgs: jobs.For(t), IDs: due[t], Slot: slot})
	}
	return jobs.InsertMany(ctx, todo)
}

// sweepAIRetention inserts one chat retention job per tenant with AI sessions.
func (s *Service) sweepAIRetention(ctx context.Context, _ AIRetentionSweepArgs) error {
	tenants, err := s.TenantsWithAISessions(ctx)
	if err != nil {
		return fmt.Errorf("flows: ai retention sweep: %w", err)
	}
	slot := s.now().Truncate(time.Hour).Unix()
	todo := make([]jobs.TenantJob, 0, len(tenants))
	for _, t := range tenants {
		todo = append(todo, AIRetentionArgs{jobs.For(t), slot})
	}
	return jobs.InsertMany(ctx, todo)
}

// jobTenant is the tenant of the scope a job (or a test) runs in.
func jobTenant(ctx context.Context) (uuid.UUID, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	return sc.Tenant.UUID(), nil
}

// ExpireAIConversations marks abandoned those of the given AI sessions of the tenant in the scope
// that are still active or paused and past their expiry, each in its own transaction with its
// audit row (ai_session.expire), and returns how many it expired. The write is conditional, so a
// run after a crash, or a second run, never expires a session twice.
func (s *Service) ExpireAIConversations(ctx context.Context, ids []uuid.UUID) (int, error) {
	tenant, err := jobTenant(ctx)
	if err != nil {
		return 0, fail("expire ai conversations", err)
	}
	n := 0
	for i, id := range ids {
		err := s.db.Tx(ctx, func(q postgres.Querier) error {
			_, err := store.New(q).ExpireAISession(ctx, store.ExpireAISessionParams{Now: s.now().UTC(), TenantID: tenant, ID: id})
			if postgres.IsNoRows(err) {
				return nil
			}
			if err != nil {
				return err
			}
			n++
			if err := record(ctx, q, "ai_session.expire", "ai_session", id, nil); err != nil {
				return err
			}
			s.afterAIWrite("expiry", i)
			return nil
		})
		if err != nil {
			return n, fail("expire ai conversations", err)
		}
	}
	return n, nil
}

// retentionBatch is how many sessions one retention transaction deletes (a variable for the crash
// test's child process, which makes batches small).
var retentionBatch = 500

// ApplyChatRetention deletes the AI sessions (and their messages) of the tenant in the scope whose
// last activity is older than the tenant's chat retention (default 90 days), in batches of
// retentionBatch, each its own transaction with one audit row (ai_session.retention, the count).
// It returns how many sessions it deleted.
func (s *Service) ApplyChatRetention(ctx context.Context) (int64, error) {
	tenant, err := jobTenant(ctx)
	if err != nil {
		return 0, fail("apply chat retention", err)
	}
	var total int64
	for batch := 0; ; batch++ {
		var n int64
		err := s.db.Tx(ctx, func(q postgres.Querier) error {
			st := store.New(q)
			days, err := retentionDays(ctx, st, tenant)
			if err != nil {
				return err
			}
			before := s.now().Add(-time.Duration(days) * 24 * time.Hour)
			if n, err = st.DeleteOldAISessions(ctx, store.DeleteOldAISessionsParams{TenantID: tenant, Before: before, Lim: int32(retentionBatch)}); err != nil || n == 0 {
				return err
			}
			if err := record(ctx, q, "ai_session.retention", "tenant", tenant, map[string]any{"sessions": n, "days": days}); err != nil {
				return err
			}
			s.afterAIWrite("retention", batch)
			return nil
		})
		if err != nil {
			return total, fail("apply chat retention", err)
		}
		total += n
		if n < int64(retentionBatch) {
			return total, nil
		}
	}
}

// afterAIWrite calls the tests' hook, if any.
func (s *Service) afterAIWrite(job string, item int) {
	if s.ai.afterWrite != nil {
		s.ai.afterWrite(job, item)
	}
}
