// Package staff gives platform staff access to a tenant only through an explicit grant: one staff
// member, one tenant, a stated reason and ticket, at most one hour, read-only unless stated. The
// grant yields a bearer token (tnr_stf_...). The grant, and every request made with its token,
// are written to that tenant's own audit log, where its owners see them. Staff accounts are not
// tenant members and have no access without a grant.
package staff

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/staff/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// kind is the opaque-token kind of grant tokens: tnr_stf_...
const kind = "stf"

// MaxGrant is the longest a grant may last.
const MaxGrant = time.Hour

// staffAccounts are the platform's own people, who belong to no tenant (their grants do).
var _ = postgres.RegisterGlobal(postgres.GlobalTable{Name: "staff_accounts", App: []string{"SELECT", "INSERT", "UPDATE"},
	Why: "platform staff belong to no tenant; each grant into a tenant is a tenant row"})

var tenantBySlug = postgres.Register(postgres.CrossTenant{
	Name:  "staff.tenant_by_slug",
	Why:   "an operator names the tenant a staff grant is for by its slug (an active tenant only)",
	SQL:   `SELECT id FROM tenants WHERE slug = $1 AND status = 'active'`,
	Reads: map[string][]string{"tenants": {"id", "slug", "status"}},
})

// Service manages staff accounts and grants.
type Service struct {
	db  *postgres.DB
	log *slog.Logger
}

// New returns the service.
func New(db *postgres.DB, log *slog.Logger) *Service { return &Service{db: db, log: log} }

// CreateAccount adds a staff account.
func (s *Service) CreateAccount(ctx context.Context, email, name string) (uuid.UUID, error) {
	id := tenancy.NewID()
	err := s.db.Global(ctx, func(q postgres.Querier) error {
		return store.New(q).InsertStaff(ctx, store.InsertStaffParams{ID: id, Email: strings.TrimSpace(email), Name: name})
	})
	if errs.Is(err, errs.Conflict) {
		err = errs.Wrap(errs.Conflict, "a staff account with this e-mail exists", err)
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("staff: create account: %w", err)
	}
	return id, nil
}

// GrantRequest asks for access to one tenant.
type GrantRequest struct {
	StaffEmail string
	TenantSlug string
	Reason     string
	Ticket     string
	TTL        time.Duration // at most MaxGrant
	Write      bool          // read-only unless set
}

// Grant is an issued grant.
type Grant struct {
	ID        uuid.UUID
	TenantID  tenancy.TenantID
	Token     string // shown once
	ExpiresAt time.Time
	ReadOnly  bool
}

// IssueGrant creates a grant and records it in the tenant's audit log.
func (s *Service) IssueGrant(ctx context.Context, r GrantRequest) (Grant, error) {
	if r.TTL <= 0 || r.TTL > MaxGrant {
		return Grant{}, errs.Invalidf("ttl", "a grant lasts more than 0 and at most %s", MaxGrant)
	}
	if len(strings.TrimSpace(r.Reason)) < 10 || strings.TrimSpace(r.Ticket) == "" {
		return Grant{}, errs.Invalidf("reason", "state a reason (at least 10 characters) and a ticket reference")
	}
	var tid, staffID uuid.UUID
	if err := s.db.CrossTenantRow(ctx, tenantBySlug, []any{r.TenantSlug}, &tid); err != nil {
		return Grant{}, fmt.Errorf("staff: tenant %q: %w", r.TenantSlug, err)
	}
	var status string
	err := s.db.Global(ctx, func(q postgres.Querier) error {
		row, err := store.New(q).StaffByEmail(ctx, r.StaffEmail)
		staffID, status = row.ID, row.Status
		return err
	})
	if err != nil {
		return Grant{}, fmt.Errorf("staff: account %q: %w", r.StaffEmail, err)
	}
	if status != "active" {
		return Grant{}, errs.E(errs.Forbidden, "the staff account is disabled")
	}
	g := Grant{ID: tenancy.NewID(), TenantID: tenancy.TenantID(tid), ReadOnly: !r.Write}
	token, err := auth.NewOpaque(kind, auth.PackUUIDs(tid, g.ID))
	if err != nil {
		return Grant{}, fmt.Errorf("staff: issue grant: %w", err)
	}
	now := time.Now().Truncate(time.Microsecond)
	g.ExpiresAt, g.Token = now.Add(r.TTL), token.Token()
	hash := token.Hash()
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: g.TenantID, Role: roleOf(g.ReadOnly),
		Principal: tenancy.Principal{Kind: tenancy.PrincipalStaff, KeyID: g.ID.String()}})
	if err != nil {
		return Grant{}, err
	}
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		err := store.New(q).InsertGrant(sctx, store.InsertGrantParams{TenantID: tid, ID: g.ID, StaffID: staffID, Reason: r.Reason,
			Ticket: r.Ticket, ReadOnly: g.ReadOnly, TokenHash: hash[:], CreatedAt: now, ExpiresAt: g.ExpiresAt})
		if err != nil {
			return err
		}
		return audit.Record(sctx, q, audit.Event{Action: "staff.grant", TargetType: "staff_grant", TargetID: g.ID.String(),
			Details: map[string]any{"staff": r.StaffEmail, "reason": r.Reason, "ticket": r.Ticket, "read_only": g.ReadOnly, "expires_at": g.ExpiresAt}})
	})
	if err != nil {
		return Grant{}, fmt.Errorf("staff: issue grant: %w", err)
	}
	return g, nil
}

// roleOf is the role a grant acts with: viewer when read-only, else admin (never owner: staff
// cannot manage keys, owners or the tenant's ownership).
func roleOf(readOnly bool) tenancy.Role {
	if readOnly {
		return tenancy.RoleViewer
	}
	return tenancy.RoleAdmin
}

var errBadGrant = errs.E(errs.Unauthorized, "invalid or expired staff grant")

// Authenticate verifies a staff grant token (httpapi.Authenticator) and records the request in
// the tenant's audit log before it runs. A read-only grant admits only GET and HEAD.
func (s *Service) Authenticate(ctx context.Context, c httpapi.Credentials) (httpapi.Caller, error) {
	token, err := auth.ParseOpaque(kind, c.Bearer)
	if err != nil {
		return httpapi.Caller{}, errBadGrant
	}
	tid, id := auth.UnpackUUIDs(token.Public)
	p := tenancy.Principal{Kind: tenancy.PrincipalStaff, KeyID: id.String()}
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenancy.TenantID(tid), Principal: p, Role: tenancy.RoleViewer})
	if err != nil {
		return httpapi.Caller{}, errBadGrant
	}
	var row store.GrantForAuthRow
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		row, err = store.New(q).GrantForAuth(sctx, store.GrantForAuthParams{TenantID: tid, ID: id})
		return err
	})
	hash := token.Hash()
	switch {
	case errs.Is(err, errs.NotFound):
		return httpapi.Caller{}, errBadGrant
	case err != nil:
		return httpapi.Caller{}, fmt.Errorf("staff: authenticate: %w", err)
	case !auth.EqualHash(hash, [32]byte(row.TokenHash)), row.RevokedAt != nil, !row.ExpiresAt.After(time.Now()), row.StaffStatus != "active":
		return httpapi.Caller{}, errBadGrant
	}
	safe := c.Method == "GET" || c.Method == "HEAD"
	outcome := audit.Success
	if row.ReadOnly && !safe {
		outcome = audit.Denied
	}
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		return audit.Record(sctx, q, audit.Event{Action: "staff.request", TargetType: "operation", TargetID: c.Operation, Outcome: outcome,
			Details: map[string]any{"method": c.Method, "staff_id": row.StaffID}})
	})
	if err != nil {
		return httpapi.Caller{}, fmt.Errorf("staff: authenticate: %w", err)
	}
	if outcome == audit.Denied {
		return httpapi.Caller{}, errs.E(errs.Forbidden, "this staff grant is read-only")
	}
	return httpapi.Caller{Principal: p, Tenant: tenancy.TenantID(tid), Role: roleOf(row.ReadOnly)}, nil
}

// RevokeGrant ends a grant early.
func (s *Service) RevokeGrant(ctx context.Context, tenantSlug string, id uuid.UUID) error {
	var tid uuid.UUID
	if err := s.db.CrossTenantRow(ctx, tenantBySlug, []any{tenantSlug}, &tid); err != nil {
		return fmt.Errorf("staff: tenant %q: %w", tenantSlug, err)
	}
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenancy.TenantID(tid), Role: tenancy.RoleViewer,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalStaff, KeyID: id.String()}})
	if err != nil {
		return err
	}
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		n, err := store.New(q).RevokeGrant(sctx, store.RevokeGrantParams{TenantID: tid, ID: id})
		if err != nil || n == 0 {
			return firstErr(err, errs.ErrNotFound)
		}
		return audit.Record(sctx, q, audit.Event{Action: "staff.revoke", TargetType: "staff_grant", TargetID: id.String()})
	})
	if err != nil {
		return fmt.Errorf("staff: revoke grant: %w", err)
	}
	return nil
}

func firstErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
