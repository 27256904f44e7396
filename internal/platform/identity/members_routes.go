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
	p, err := s.ListMembers(ctx, in.PageInput)
	if err != nil {
		return nil, err
	}
	out := &MembersOutput{Body: httpapi.Page[MemberView]{NextCursor: p.NextCursor, Items: make([]MemberView, 0, len(p.Items))}}
	for _, m := range p.Items {
		out.Body.Items = append(out.Body.Items, memberView(m))
	}
	return out, nil
}

// IDInput names one object by id.
type IDInput struct {
	ID uuid.UUID `path:"id"`
}

// MemberOutput is one member.
type MemberOutput struct {
	Body MemberView
}

func (s *Service) handleGetMember(ctx context.Context, in *IDInput) (*MemberOutput, error) {
	m, err := s.GetMember(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &MemberOutput{Body: memberView(m)}, nil
}

// UpdateMemberInput changes a member's role.
type UpdateMemberInput struct {
	ID   uuid.UUID `path:"id"`
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

func (s *Service) handleRemoveMember(ctx context.Context, in *IDInput) (*struct{}, error) {
	return &struct{}{}, s.RemoveMember(ctx, in.ID)
}

func (s *Service) handleTransfer(ctx context.Context, in *IDInput) (*MemberOutput, error) {
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
	p, err := s.ListInvitations(ctx, in.PageInput)
	if err != nil {
		return nil, err
	}
	out := &InvitationsOutput{Body: httpapi.Page[InvitationView]{NextCursor: p.NextCursor, Items: make([]InvitationView, 0, len(p.Items))}}
	for _, i := range p.Items {
		out.Body.Items = append(out.Body.Items, invitationView(i))
	}
	return out, nil
}

func (s *Service) handleGetInvitation(ctx context.Context, in *IDInput) (*InvitationOutput, error) {
	inv, err := s.GetInvitation(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &InvitationOutput{Body: invitationView(inv)}, nil
}

func (s *Service) handleRevokeInvitation(ctx context.Context, in *IDInput) (*struct{}, error) {
	return &struct{}{}, s.RevokeInvitation(ctx, in.ID)
}

// AcceptInput accepts an invitation.
type AcceptInput struct {
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
	return &SessionOutput{Body: sess}, nil
}
