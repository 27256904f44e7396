package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Member is a user's membership in the current tenant.
type Member struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Email     string
	Name      string
	Role      tenancy.Role
	CreatedAt time.Time
}

func memberOf(r store.ListMembersRow) Member {
	return Member{ID: r.ID, UserID: r.UserID, Email: r.Email, Name: r.Name, Role: tenancy.Role(r.Role), CreatedAt: r.CreatedAt}
}

type memberKey struct {
	CreatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"i"`
}

// ListMembers returns up to size+1 of the tenant's members, oldest first, after the member after
// (nil: from the oldest); see httpapi.List.
func (s *Service) ListMembers(ctx context.Context, size int, after *memberKey) ([]Member, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListMembersParams{TenantID: sc.Tenant.UUID(), Lim: int32(size + 1)}
	if after != nil {
		p.AfterCreated, p.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Member
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListMembers(ctx, p)
		for _, r := range rows {
			out = append(out, memberOf(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("identity: list members: %w", err)
	}
	return out, nil
}

// GetMember returns one member of the tenant, or NotFound.
func (s *Service) GetMember(ctx context.Context, id uuid.UUID) (Member, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Member, error) {
		r, err := store.New(q).GetMember(ctx, store.GetMemberParams{TenantID: tenant, ID: id})
		return memberOf(store.ListMembersRow(r)), err
	})
	if err != nil {
		return Member{}, fmt.Errorf("identity: get member: %w", err)
	}
	return out, nil
}

// errLastOwner refuses to leave a tenant without an owner.
var errLastOwner = errs.E(errs.Conflict, "the last owner cannot be removed or demoted; transfer ownership first")

// errOwnerOnly refuses an admin's change that touches the owner role.
var errOwnerOnly = errs.E(errs.Forbidden, "only an owner can grant, change or remove the owner role")

// ChangeRole sets a member's role. Admins manage roles below owner; only owners grant or take the
// owner role; the last owner cannot be demoted. The new role applies from the member's next
// request; the pending invitations they sent that the new role could not send are revoked.
func (s *Service) ChangeRole(ctx context.Context, id uuid.UUID, role tenancy.Role) (Member, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Member{}, err
	}
	var m Member
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		target, owners, err := lockTarget(ctx, st, sc.Tenant, id)
		if err != nil {
			return err
		}
		if (target.Role == tenancy.RoleOwner || role == tenancy.RoleOwner) && sc.Role != tenancy.RoleOwner {
			return errOwnerOnly
		}
		if target.Role == tenancy.RoleOwner && role != tenancy.RoleOwner && owners == 1 {
			return errLastOwner
		}
		if err := st.SetMemberRole(ctx, store.SetMemberRoleParams{TenantID: sc.Tenant.UUID(), ID: id, Role: string(role)}); err != nil {
			return err
		}
		revoked, err := revokeInvitationsBy(ctx, st, sc.Tenant, target.UserID, role)
		if err != nil {
			return err
		}
		m, m.Role = target, role
		return audit.Record(ctx, q, audit.Event{Action: "member.role_change", TargetType: "member", TargetID: id.String(),
			Details: map[string]any{"from": target.Role, "to": role, "invitations_revoked": revoked}})
	})
	if err != nil {
		return Member{}, fmt.Errorf("identity: change role: %w", err)
	}
	s.sessionsChanged(ctx, sc.Tenant, m.UserID)
	return m, nil
}

// MemberEvent is the data of the member.added and member.removed webhooks.
type MemberEvent struct {
	MemberID string `json:"member_id"`
	UserID   string `json:"user_id"`
	Role     string `json:"role,omitempty"`
	Via      string `json:"via,omitempty" doc:"How the member joined: invitation or oidc"`
}

// RemoveMember ends a membership (with its sessions, from the member's next request, and the API
// keys it created) and revokes the pending invitations the member sent; an admin may invite those
// addresses again. Admins remove members below owner; the last owner cannot be removed.
func (s *Service) RemoveMember(ctx context.Context, id uuid.UUID) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	var user uuid.UUID
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		target, owners, err := lockTarget(ctx, st, sc.Tenant, id)
		if err != nil {
			return err
		}
		if target.Role == tenancy.RoleOwner && sc.Role != tenancy.RoleOwner {
			return errOwnerOnly
		}
		if target.Role == tenancy.RoleOwner && owners == 1 {
			return errLastOwner
		}
		if err := st.DeleteMember(ctx, store.DeleteMemberParams{TenantID: sc.Tenant.UUID(), ID: id}); err != nil {
			return err
		}
		revoked, err := revokeInvitationsBy(ctx, st, sc.Tenant, target.UserID, "")
		if err != nil {
			return err
		}
		user = target.UserID
		if err := audit.Record(ctx, q, audit.Event{Action: "member.remove", TargetType: "member", TargetID: id.String(),
			Details: map[string]any{"invitations_revoked": revoked}}); err != nil {
			return err
		}
		return webhooks.Emit(ctx, q, webhooks.MemberRemoved, MemberEvent{MemberID: id.String(), UserID: target.UserID.String()})
	})
	if err != nil {
		return fmt.Errorf("identity: remove member: %w", err)
	}
	s.sessionsChanged(ctx, sc.Tenant, user)
	return nil
}

// TransferOwnership makes another member an owner and the calling owner an admin, atomically; the
// owner invitations the caller sent are revoked.
func (s *Service) TransferOwnership(ctx context.Context, id uuid.UUID) (Member, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Member{}, err
	}
	if sc.Role != tenancy.RoleOwner || sc.Principal.Kind != tenancy.PrincipalUser {
		return Member{}, errOwnerOnly
	}
	var m Member
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		target, _, err := lockTarget(ctx, st, sc.Tenant, id)
		if err != nil {
			return err
		}
		self, err := st.MemberIDOfUser(ctx, store.MemberIDOfUserParams{TenantID: sc.Tenant.UUID(), UserID: sc.Principal.UserID.UUID()})
		if err != nil {
			return err
		}
		if self == id {
			return errs.Invalidf("path.id", "you are already an owner")
		}
		for _, change := range []store.SetMemberRoleParams{
			{TenantID: sc.Tenant.UUID(), ID: id, Role: string(tenancy.RoleOwner)},
			{TenantID: sc.Tenant.UUID(), ID: self, Role: string(tenancy.RoleAdmin)},
		} {
			if err := st.SetMemberRole(ctx, change); err != nil {
				return err
			}
		}
		if _, err := revokeInvitationsBy(ctx, st, sc.Tenant, sc.Principal.UserID.UUID(), tenancy.RoleAdmin); err != nil {
			return err
		}
		m, m.Role = target, tenancy.RoleOwner
		return audit.Record(ctx, q, audit.Event{Action: "member.transfer_ownership", TargetType: "member", TargetID: id.String()})
	})
	if err != nil {
		return Member{}, fmt.Errorf("identity: transfer ownership: %w", err)
	}
	s.sessionsChanged(ctx, sc.Tenant, m.UserID, sc.Principal.UserID.UUID())
	return m, nil
}

// lockTarget locks the tenant's owners, then reads the target member; it returns the number of owners.
func lockTarget(ctx context.Context, st *store.Queries, tenant tenancy.TenantID, id uuid.UUID) (Member, int, error) {
	owners, err := st.LockOwners(ctx, tenant.UUID())
	if err != nil {
		return Member{}, 0, err
	}
	r, err := st.GetMember(ctx, store.GetMemberParams{TenantID: tenant.UUID(), ID: id})
	if err != nil {
		return Member{}, 0, err
	}
	return memberOf(store.ListMembersRow(r)), len(owners), nil
}

// inviterRole is the lowest role that may invite (the create-invitation operation's).
const inviterRole = tenancy.RoleAdmin

// revokeInvitationsBy revokes the pending invitations user sent that a member with role could not
// send: all of them when role is "" (the member left) or below inviterRole, else those above role.
// It returns how many it revoked.
func revokeInvitationsBy(ctx context.Context, st *store.Queries, tenant tenancy.TenantID, user uuid.UUID, role tenancy.Role) (int64, error) {
	p := store.RevokeInvitationsByParams{TenantID: tenant.UUID(), InvitedBy: user}
	if role.AtLeast(inviterRole) {
		p.KeepUpTo = pgtype.Text{String: string(role), Valid: true}
	}
	return st.RevokeInvitationsBy(ctx, p)
}
