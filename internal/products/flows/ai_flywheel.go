package flows

import (
	"context"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/tenancy"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
)

// queueAnalysis queues the knowledge flywheel's analysis of a session resolved in q's transaction.
func (s *Service) queueAnalysis(_ context.Context, _ postgres.Querier, _, _ uuid.UUID) error {
	return nil
}

// flywheelJobs registers the knowledge flywheel's jobs.
func (s *Service) flywheelJobs(_ *jobs.Registry, _ time.Duration) {}

// PendingAnalyses lists, across tenants, the pending analyses of resolved AI sessions, by tenant.
func (s *Service) PendingAnalyses(_ context.Context) (map[tenancy.TenantID][]uuid.UUID, error) {
	return nil, nil
}

// AnalyzeSessions turns pending analyses of the tenant in the scope into flow proposals.
func (s *Service) AnalyzeSessions(_ context.Context, _ []uuid.UUID) (int, error) { return 0, nil }
