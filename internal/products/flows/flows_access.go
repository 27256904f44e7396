package flows

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// caller is who a flows operation runs for: the scope's tenant, user and role. For an API key the
// user is the member who created the key.
type caller struct {
	tenant uuid.UUID
	user   uuid.UUID
	role   tenancy.Role
}

// callerOf returns the caller of the request in ctx.
func callerOf(ctx context.Context) (caller, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return caller{}, err
	}
	return caller{tenant: sc.Tenant.UUID(), user: sc.Principal.UserID.UUID(), role: sc.Role}, nil
}

// The edit rule (shared/reference/flows-upstream.md §2.2: a flow the caller can see but not change
// answers 403; one the caller cannot see, 404). Operators and above may change a flow they can see
// when they wrote it, when they are admins or owners, or when it is a team flow of a team they are
// in. Viewers change nothing.
func canEdit(c caller, f store.GetFlowRow) bool {
	switch {
	case !c.role.AtLeast(tenancy.RoleOperator):
		return false
	case f.AuthorID == c.user, c.role.AtLeast(tenancy.RoleAdmin):
		return true
	}
	return f.Visibility == visibilityTeam && f.InTeam
}

// errNotEditable is the 403 of a flow the caller can see but may not change.
var errNotEditable = errs.E(errs.Forbidden, "you can see this flow but may not change it")

// errRole refuses a caller whose role is too low for the operation.
var errRole = errs.E(errs.Forbidden, "your role does not allow this")

// visibleFlow reads a live flow the caller can see; any other id is the one NotFound.
func visibleFlow(ctx context.Context, st *store.Queries, c caller, id uuid.UUID) (store.GetFlowRow, error) {
	r, err := st.GetFlow(ctx, store.GetFlowParams{TenantID: c.tenant, ID: id, UserID: c.user})
	return r, found(err)
}

// editableFlow locks a live flow the caller can see (NotFound otherwise) and may change (Forbidden
// otherwise), for the rest of the transaction.
func editableFlow(ctx context.Context, st *store.Queries, c caller, id uuid.UUID) (store.GetFlowRow, error) {
	r, err := st.LockFlow(ctx, store.LockFlowParams{TenantID: c.tenant, ID: id, UserID: c.user})
	if err != nil {
		return store.GetFlowRow{}, found(err)
	}
	f := store.GetFlowRow(r)
	if !canEdit(c, f) {
		return f, errNotEditable
	}
	return f, nil
}

// found turns "no row" into the one NotFound error every 404 of the API carries, so that another
// tenant's flow, one the caller may not see, a deleted one and a random id are indistinguishable.
func found(err error) error {
	if postgres.IsNoRows(err) {
		return errs.ErrNotFound
	}
	return err
}

// fail names the operation in an error, keeping its kind.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("flows: %s: %w", op, err)
}

// record writes an audit event about a flows object in the caller's transaction.
func record(ctx context.Context, q postgres.Querier, action, targetType string, target uuid.UUID, details map[string]any) error {
	return audit.Record(ctx, q, audit.Event{Action: action, TargetType: targetType, TargetID: target.String(), Details: details})
}
