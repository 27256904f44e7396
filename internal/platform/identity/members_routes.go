package identity

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// MemberView is a member in responses.
type MemberView struct {
	ID        string    `json:"id" format:"uuid" doc:"The membership id"`
	UserID    string    `json:"user_id" format:"uuid"`
	Email     string    `json:"email" format:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role" enum:"owner,admin,operator,viewer"`
	CreatedAt time.Time `json:"created_at"`
}

func memberView(m Member) MemberView {
	return MemberView{ID: m.ID.String(), UserID: m.UserID.String(), Email: m.Email, Name: m.Name, Role: string(m.Role), CreatedAt: m.CreatedAt}
}

// ListInput pages through a list.
type ListInput struct {
	httpapi.PageInput
}

// MembersOutput is a page of members.
type MembersOutput struct {
	Body httpapi.Page[MemberView]
}

func (s *Service) handleListMembers(ctx context.Context, in *ListInput) (*MembersOutput, error) {
	key := func(m MemberView) memberKey { return memberKey{m.CreatedAt, uuid.MustParse(m.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *memberKey) ([]MemberView, error) {
		ms, err := s.ListMembers(ctx, size, after)
		views := make([]MemberView, 0, len(ms))
		for _, m := range ms {
			views = append(views, memberView(m))
		}
		return views, err
	})
	return &MembersOutput{Body: page}, err
}

// MemberOutput is one member.
type MemberOutput struct {
	Body MemberView
}

func (s *Service) handleGetMember(ctx context.Context, in *httpapi.IDInput) (*MemberOutput, error) {
	m, err := s.GetMember(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &MemberOutput{Body: memberView(m)}, nil
}

// UpdateMemberInput changes a member's role.
type UpdateMemberInput struct {
	httpapi.IDInput
	Body struct {
		Role string `json:"role" enum:"owner,admin,operator,viewer"`
	}
}

func (s *Service) handleUpdateMember(ctx context.Context, in *UpdateMemberInput) (*MemberOutput, error) {
	m, err := s.ChangeRole(ctx, in.ID, tenancy.Role(in.Body.Role))
	if err != nil {
		return nil, err
	}
	return &MemberOutput{Body: memberView(m)}, nil
}

func (s *Service) handleRemoveMember(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.RemoveMember(ctx, in.ID)
}

func (s *Service) handleTransfer(ctx context.Context, in *httpapi.IDInput) (*MemberOutput, error) {
	m, err := s.TransferOwnership(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &MemberOutput{Body: memberView(m)}, nil
}

// InvitationView is an invitation in responses; the token only ever travels by e-mail.
type InvitationView struct {
	ID         string     `json:"id" format:"uuid"`
	Email      string     `json:"email" format:"email"`
	Role       string     `json:"role" enum:"owner,admin,operator,viewer"`
	InvitedBy  string     `json:"invited_by" format:"uuid"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

func invitationView(i Invitation) InvitationView {
	return InvitationView{ID: i.ID.String(), Email: i.Email, Role: string(i.Role), InvitedBy: i.InvitedBy.String(), ExpiresAt: i.ExpiresAt,
		AcceptedAt: i.AcceptedAt, RevokedAt: i.RevokedAt, CreatedAt: i.CreatedAt}
}

// InviteInput is a new invitation.
type InviteInput struct {
	Body struct {
		Email string `json:"email" format:"email" maxLength:"254" example:"ops@example.com"`
		Role  string `json:"role" enum:"owner,admin,operator,viewer" example:"operator"`
	}
}

// InvitationOutput is one invitation.
type InvitationOutput struct {
	Body InvitationView
}

func (s *Service) handleInvite(ctx context.Context, in *InviteInput) (*InvitationOutput, error) {
	inv, err := s.Invite(ctx, in.Body.Email, tenancy.Role(in.Body.Role))
	if err != nil {
		return nil, err
	}
	return &InvitationOutput{Body: invitationView(inv)}, nil
}

// InvitationsOutput is a page of invitations.
type InvitationsOutput struct {
	Body httpapi.Page[InvitationView]
}

func (s *Service) handleListInvitations(ctx context.Context, in *ListInput) (*InvitationsOutput, error) {
	key := func(i InvitationView) invitationKey { return invitationKey{i.CreatedAt, uuid.MustParse(i.ID)} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *invitationKey) ([]InvitationView, error) {
		invs, err := s.ListInvitations(ctx, size, after)
		views := make([]InvitationView, 0, len(invs))
		for _, i := range invs {
			views = append(views, invitationView(i))
		}
		return views, err
	})
	return &InvitationsOutput{Body: page}, err
}

func (s *Service) handleGetInvitation(ctx context.Context, in *httpapi.IDInput) (*InvitationOutput, error) {
	inv, err := s.GetInvitation(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &InvitationOutput{Body: invitationView(inv)}, nil
}

func (s *Service) handleRevokeInvitation(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.RevokeInvitation(ctx, in.ID)
}

// AcceptInput accepts an invitation.
type AcceptInput struct {
	CookieRequest
	Body struct {
		Token    string `json:"token" minLength:"1" maxLength:"255" writeOnly:"true" doc:"The token from the invitation e-mail"`
		Name     string `json:"name,omitempty" maxLength:"200" doc:"Your name, when you have no account yet"`
		Password string `json:"password" maxLength:"1024" writeOnly:"true" doc:"A new password (at least 12 characters), or your existing account's password"`
	}
}

func (s *Service) handleAccept(ctx context.Context, in *AcceptInput) (*SessionOutput, error) {
	sess, err := s.AcceptInvitation(ctx, Acceptance{Token: in.Body.Token, Name: in.Body.Name, Password: in.Body.Password})
	if err != nil {
		return nil, err
	}
	return s.sessionOutput(&in.CookieRequest, sess), nil
}
