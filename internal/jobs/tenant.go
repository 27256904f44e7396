package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// TenantArgs is embedded in the arguments of every job that works on one tenant's data.
type TenantArgs struct {
	TenantID string `json:"tenant_id"`
}

// tenantMeta is the job row's own record of its tenant, set when the job is inserted.
type tenantMeta struct {
	TenantID string `json:"tenant_id"`
}

// errTenantMismatch cancels a job whose arguments name another tenant than its row does.
var errTenantMismatch = errors.New("jobs: the job's arguments and its row name different tenants")

// insertOpts returns the options of a job for tenant: the tenant in the row's metadata, unique by
// arguments while it is pending or running.
func insertOpts(tenant tenancy.TenantID) *river.InsertOpts {
	meta, _ := json.Marshal(tenantMeta{TenantID: tenant.String()})
	return &river.InsertOpts{Metadata: meta, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// tenantScope re-establishes the tenant scope of a job from its arguments, after checking them
// against the row's metadata. A disagreement is never retried: the job is cancelled.
func tenantScope(ctx context.Context, args TenantArgs, metadata []byte) (context.Context, error) {
	var meta tenantMeta
	if err := json.Unmarshal(metadata, &meta); err != nil || meta.TenantID != args.TenantID {
		return nil, river.JobCancel(errTenantMismatch)
	}
	tenant, err := tenancy.ParseTenantID(args.TenantID)
	if err != nil {
		return nil, river.JobCancel(fmt.Errorf("jobs: %w", err))
	}
	return tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Role: tenancy.RoleAdmin,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
}
