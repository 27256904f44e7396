package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TenantArgs is embedded in the arguments of every job that works on one tenant's data; it makes
// them a TenantJob.
type TenantArgs struct {
	TenantID string `json:"tenant_id"`
}

// For returns the TenantArgs of tenant.
func For(tenant tenancy.TenantID) TenantArgs { return TenantArgs{TenantID: tenant.String()} }

// tenantBound is what embedding TenantArgs gives a job's arguments.
type tenantBound interface {
	tenantArgs() TenantArgs
}

var _ tenantBound = TenantArgs{}

func (a TenantArgs) tenantArgs() TenantArgs { return a }

// TenantJob is the arguments of a job that works on one tenant's data: a struct that embeds
// TenantArgs and names its kind. Its fields are stored in river_job, which has no row-level
// security: ids only, never tenant data (a message, a token).
type TenantJob interface {
	river.JobArgs
	tenantBound
}

// AttemptLimit is implemented by the arguments of a job kind that gives up after another number
// of attempts than River's default of 25.
type AttemptLimit interface {
	MaxAttempts() int
}

// tenantMeta is the job row's own record of its tenant, set when the job is inserted.
type tenantMeta struct {
	TenantID string `json:"tenant_id"`
}

// errTenantMismatch cancels a job whose arguments name another tenant than its row does.
var errTenantMismatch = errors.New("jobs: the job's arguments and its row name different tenants")

// insertOpts returns the options of a tenant job: its tenant in the row's metadata, the kind's
// attempt limit, and unique by arguments among River's default states (a completed job too, until
// River's cleaner removes it after 24 hours).
func insertOpts(args TenantJob) *river.InsertOpts {
	meta, _ := json.Marshal(tenantMeta{TenantID: args.tenantArgs().TenantID})
	opts := &river.InsertOpts{Metadata: meta, UniqueOpts: river.UniqueOpts{ByArgs: true}}
	if l, ok := args.(AttemptLimit); ok {
		opts.MaxAttempts = l.MaxAttempts()
	}
	return opts
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

// InsertTx inserts a tenant job inside the caller's transaction: q is the Querier that
// postgres.DB.Tx gave its function, so the job exists exactly when the caller's change commits
// (the transactional outbox). args must name the tenant of the scope in ctx.
func InsertTx(ctx context.Context, q postgres.Querier, args TenantJob) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	if args.tenantArgs().TenantID != sc.Tenant.String() {
		return fmt.Errorf("jobs: insert %s: the job names another tenant than the transaction's scope", args.Kind())
	}
	client, err := txInserter()
	if err != nil {
		return fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return postgres.WithTx(ctx, q, func(tx pgx.Tx) error {
		if _, err := client.InsertTx(ctx, tx, args, insertOpts(args)); err != nil {
			return fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
		}
		return nil
	})
}

// InsertMany inserts tenant jobs from inside a running job (a sweep), through the runner's client,
// in one transaction of their own.
func InsertMany(ctx context.Context, args []TenantJob) error {
	if len(args) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, 0, len(args))
	for _, a := range args {
		params = append(params, river.InsertManyParams{Args: a, InsertOpts: insertOpts(a)})
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("jobs: insert many: %w", err)
	}
	if _, err := client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: insert many: %w", err)
	}
	return nil
}
