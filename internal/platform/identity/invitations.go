package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Invitation is an invitation to join the current tenant; its token is never part of it.
type Invitation struct {
	ID         uuid.UUID
	Email      string
	Role       tenancy.Role
	InvitedBy  uuid.UUID
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

func invitationOf(r store.ListInvitationsRow) Invitation {
	return Invitation{ID: r.ID, Email: r.Email, Role: tenancy.Role(r.Role), InvitedBy: r.InvitedBy, ExpiresAt: r.ExpiresAt,
		AcceptedAt: r.AcceptedAt, RevokedAt: r.RevokedAt, CreatedAt: r.CreatedAt}
}

// Invite invites an e-mail address to the tenant with a role no higher than the inviter's (only
// owners invite owners). The message with the single-use token goes through the mail outbox in
// the same transaction.
func (s *Service) Invite(ctx context.Context, email string, role tenancy.Role) (Invitation, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Invitation{}, err
	}
	if !sc.Role.AtLeast(role) {
		return Invitation{}, errs.E(errs.Forbidden, "you cannot invite with a role above your own")
	}
	inv := Invitation{ID: tenancy.NewID(), Email: strings.TrimSpace(email), Role: role, InvitedBy: sc.Principal.UserID.UUID(),
		ExpiresAt: time.Now().Add(s.inviteTTL).Truncate(time.Microsecond), CreatedAt: time.Now()}
	token, err := auth.NewOpaque(auth.KindInvitation, auth.PackUUIDs(sc.Tenant.UUID(), inv.ID))
	if err != nil {
		return Invitation{}, fmt.Errorf("identity: invite: %w", err)
	}
	hash := token.Hash()
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := st.MemberByEmail(ctx, store.MemberByEmailParams{TenantID: sc.Tenant.UUID(), Email: inv.Email}); err == nil {
			return errs.E(errs.Conflict, "this address already belongs to a member")
		} else if !postgres.IsNoRows(err) {
			return err
		}
		err := st.InsertInvitation(ctx, store.InsertInvitationParams{TenantID: sc.Tenant.UUID(), ID: inv.ID, Email: inv.Email,
			Role: string(role), TokenHash: hash[:], InvitedBy: inv.InvitedBy, ExpiresAt: inv.ExpiresAt})
		if err != nil {
			return err
		}
		t, err := st.GetTenant(ctx, sc.Tenant.UUID())
		if err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, q, s.invitationMail(t.Name, inv, token.Token())); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "invitation.create", TargetType: "invitation", TargetID: inv.ID.String(),
			Details: map[string]any{"role": role}})
	})
	if errs.Is(err, errs.Conflict) && !strings.Contains(err.Error(), "member") {
		err = errs.Wrap(errs.Conflict, "a pending invitation for this address exists", err)
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("identity: invite: %w", err)
	}
	return inv, nil
}

func (s *Service) invitationMail(tenant string, inv Invitation, token string) mail.Message {
	body := fmt.Sprintf("You have been invited to join %s on Tenantry as %s.\n\n"+
		"To accept, open this link:\n\n%s/invitations/accept?token=%s\n\n"+
		"Through the API instead, send the token to %s/api/v1/invitations/accept (POST, JSON body {\"token\": \"...\"}; "+
		"add \"name\" and \"password\" if you have no account yet, or your current \"password\" if you do):\n\n%s\n\n"+
		"The invitation expires on %s and can be used once.\n",
		tenant, inv.Role, s.publicURL, token, s.publicURL, token, inv.ExpiresAt.UTC().Format(time.RFC1123))
	return mail.Message{To: inv.Email, Subject: "Invitation to " + tenant, Body: body}
}

type invitationKey struct {
	CreatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"i"`
}

// ListInvitations returns up to size+1 of the tenant's invitations, newest first, after the
// invitation after (nil: from the newest); see httpapi.List.
func (s *Service) ListInvitations(ctx context.Context, size int, after *invitationKey) ([]Invitation, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListInvitationsParams{TenantID: sc.Tenant.UUID(), Lim: int32(size + 1)}
	if after != nil {
		p.AfterCreated, p.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Invitation
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListInvitations(ctx, p)
		for _, r := range rows {
			out = append(out, invitationOf(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("identity: list invitations: %w", err)
	}
	return out, nil
}

// GetInvitation returns one invitation of the tenant, or NotFound.
func (s *Service) GetInvitation(ctx context.Context, id uuid.UUID) (Invitation, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Invitation, error) {
		r, err := store.New(q).GetInvitation(ctx, store.GetInvitationParams{TenantID: tenant, ID: id})
		return invitationOf(store.ListInvitationsRow(r)), err
	})
	if err != nil {
		return Invitation{}, fmt.Errorf("identity: get invitation: %w", err)
	}
	return out, nil
}

// RevokeInvitation revokes a pending invitation; revoking twice is not an error.
func (s *Service) RevokeInvitation(ctx context.Context, id uuid.UUID) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := st.GetInvitation(ctx, store.GetInvitationParams{TenantID: sc.Tenant.UUID(), ID: id}); err != nil {
			return err
		}
		if err := st.RevokeInvitation(ctx, store.RevokeInvitationParams{TenantID: sc.Tenant.UUID(), ID: id}); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "invitation.revoke", TargetType: "invitation", TargetID: id.String()})
	})
	if err != nil {
		return fmt.Errorf("identity: revoke invitation: %w", err)
	}
	return nil
}

// Acceptance is what an invitee sends: the token, and either the password of their existing
// account or a name and a new password.
type Acceptance struct {
	Token, Name, Password string
}

var (
	errBadInvitation  = errs.E(errs.NotFound, "not found")
	errUsedInvitation = errs.E(errs.Gone, "the invitation has expired, was revoked or was already used")
)

// AcceptInvitation turns an invitation into a membership: for a new user it creates the account;
// for an existing one it checks the account's password. It returns a session in the tenant.
func (s *Service) AcceptInvitation(ctx context.Context, a Acceptance) (Session, error) {
	token, err := auth.ParseOpaque(auth.KindInvitation, strings.TrimSpace(a.Token))
	if err != nil {
		return Session{}, errBadInvitation
	}
	tid, id := auth.UnpackUUIDs(token.Public)
	tenant := tenancy.TenantID(tid)
	inv, err := s.pendingInvitation(ctx, tenant, id, token.Hash())
	if err != nil {
		return Session{}, err
	}
	user, hash, err := s.invitee(ctx, inv.Email, a)
	if err != nil {
		return Session{}, err
	}
	sctx, err := userScope(ctx, tenant, user, inv.Role)
	if err != nil {
		return Session{}, err
	}
	var sess Session
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		st := store.New(q)
		if hash != "" {
			if err := st.InsertUser(sctx, store.InsertUserParams{ID: user.UUID(), Email: inv.Email, Name: a.Name, PasswordHash: hash}); err != nil {
				return err
			}
		}
		if n, err := st.AcceptInvitation(sctx, store.AcceptInvitationParams{TenantID: tid, ID: id}); err != nil || n == 0 {
			return firstErr(err, errUsedInvitation)
		}
		member := tenancy.NewID()
		err := st.InsertMembership(sctx, store.InsertMembershipParams{TenantID: tid, ID: member, UserID: user.UUID(), Role: string(inv.Role)})
		if postgres.IsCode(err, "23505") {
			return errs.E(errs.Conflict, "you are already a member of this tenant")
		} else if err != nil {
			return err
		}
		if sess, err = s.issue(sctx, q, tenant, user, inv.Role, tenancy.NewID(), uuid.Nil); err != nil {
			return err
		}
		if err := audit.Record(sctx, q, audit.Event{Action: "member.join", TargetType: "invitation", TargetID: id.String(),
			Details: map[string]any{"role": inv.Role}}); err != nil {
			return err
		}
		return webhooks.Emit(sctx, q, webhooks.MemberAdded, MemberEvent{MemberID: member.String(), UserID: user.String(), Role: string(inv.Role), Via: "invitation"})
	})
	if err != nil {
		return Session{}, fmt.Errorf("identity: accept invitation: %w", err)
	}
	return sess, nil
}

// pendingInvitation reads an invitation under its tenant's scope and checks its token and state.
func (s *Service) pendingInvitation(ctx context.Context, tenant tenancy.TenantID, id uuid.UUID, hash [32]byte) (Invitation, error) {
	sctx, err := userScope(ctx, tenant, tenancy.UserID{}, tenancy.RoleViewer)
	if err != nil {
		return Invitation{}, errBadInvitation
	}
	var row store.GetInvitationRow
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		row, err = store.New(q).GetInvitation(sctx, store.GetInvitationParams{TenantID: tenant.UUID(), ID: id})
		return err
	})
	switch {
	case errs.Is(err, errs.NotFound):
		return Invitation{}, errBadInvitation
	case err != nil:
		return Invitation{}, fmt.Errorf("identity: accept invitation: %w", err)
	case !auth.EqualHash(hash, [32]byte(row.TokenHash)):
		return Invitation{}, errBadInvitation
	case row.AcceptedAt != nil || row.RevokedAt != nil || !row.ExpiresAt.After(time.Now()):
		return Invitation{}, errUsedInvitation
	}
	return invitationOf(store.ListInvitationsRow(row)), nil
}

// invitee finds the invited account (checking its password) or prepares a new one (returning the
// new password's hash).
func (s *Service) invitee(ctx context.Context, email string, a Acceptance) (tenancy.UserID, string, error) {
	c, err := s.userByEmail(ctx, email)
	if err == nil {
		ok, verr := s.hasher.Verify(ctx, c.hash, a.Password)
		if errs.Is(verr, errs.Unavailable) { // every hashing slot taken: 503, nothing changed
			return tenancy.UserID{}, "", fmt.Errorf("identity: accept invitation: %w", verr)
		}
		if verr != nil || !ok || c.status != "active" {
			return tenancy.UserID{}, "", errBadLogin
		}
		return c.id, "", nil
	}
	if !errs.Is(err, errs.NotFound) {
		return tenancy.UserID{}, "", fmt.Errorf("identity: accept invitation: %w", err)
	}
	if strings.TrimSpace(a.Name) == "" {
		return tenancy.UserID{}, "", errs.Invalidf("body.name", "a name is needed to create your account")
	}
	if err := auth.ValidatePassword(a.Password); err != nil {
		return tenancy.UserID{}, "", errs.Invalidf("body.password", "the password must have 12 to 1024 characters")
	}
	hash, err := s.hasher.Hash(ctx, a.Password)
	if err != nil {
		return tenancy.UserID{}, "", fmt.Errorf("identity: accept invitation: %w", err)
	}
	return tenancy.UserID(tenancy.NewID()), hash, nil
}

func firstErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
